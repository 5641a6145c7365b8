"""Pure demo data for the fictional city of 云州市: areas, departments, categories, knowledge and texts."""
