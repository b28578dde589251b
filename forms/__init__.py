"""WTForms classes; forms declare fields and validation, views fill choices."""
