"""Create DATABASE_URL's PostgreSQL database when it does not exist yet (`make serve`).

    python -m fixtracker.dbcreate              # create if missing
    python -m fixtracker.dbcreate --recreate   # drop and create (benchmarks, test servers)

SQLite needs nothing (the file is made on first use); other URLs are left alone.
"""

import os
import sys

import dj_database_url


def main(argv: list[str]) -> int:
    recreate = "--recreate" in argv
    config = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))
    if config.get("ENGINE") != "django.db.backends.postgresql":
        return 0
    import psycopg
    from psycopg import sql

    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    name = config["NAME"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        if recreate:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
