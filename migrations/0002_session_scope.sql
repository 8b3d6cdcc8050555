-- Sessions belong to one API mount: the default mount's scope is '', a scenario's is its id.
-- A key issued by a broken scenario is worthless anywhere else (and the reverse), although
-- the browser may send both cookies to a scenario's path.
ALTER TABLE sessions ADD COLUMN scope TEXT NOT NULL DEFAULT '';
