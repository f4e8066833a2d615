"""The fix-plan Markdown format, both directions, in one place.

`document` holds the plan as plain data, `export` writes it in the template's format,
`import_` reads such a file back, and `store` moves documents in and out of the database.
"""
