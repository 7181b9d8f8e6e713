#!/usr/bin/env python3
"""Our SQL against CockroachDB's documented differences from PostgreSQL (CTest
`cockroachdb_sql`, label static).

No CockroachDB runs here, so what the production topology's event store would refuse or do
differently is found by reading: the migrations (persistence/migrations/**/*.sql) and the
statement text of every persistence/ source that talks to the database (the string literals of
the files that use libpqxx) are scanned with the rules of cockroachdb_sql_rules.json, each with
its reason and its documentation. A use of a construct fails the test unless an exception in
that file names the rule, the file and the number of uses, says why the use is safe and what
the CockroachDB deployment does instead. Test-only SQL (tests/) is not scanned: it may use
PostgreSQL-only features. A rule with `supported_since` applies when infra/docker-compose.yml's
CockroachDB is older than that version.
"""

import json
import re
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = Path(__file__).resolve().parent / "cockroachdb_sql_rules.json"
MIGRATIONS = ROOT / "persistence" / "migrations"
PERSISTENCE = ROOT / "persistence"
COMPOSE = ROOT / "infra" / "docker-compose.yml"
# The folders of the product's code (DESIGN.md): only persistence/ may hold SQL.
PRODUCT_FOLDERS = ("domain", "actors", "persistence", "messaging", "projections", "http",
                   "client", "consistency", "app")
# A string literal is statement text when it holds an SQL keyword written in capitals, as every
# statement in persistence/ is; messages and names are lower case.
SQL_KEYWORD = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|GRANT|REVOKE|SET|WITH|FROM|WHERE|VALUES|"
    r"JOIN|ORDER BY|FOR|ON CONFLICT|RETURNING|LISTEN|NOTIFY|COPY|LOCK|TRUNCATE|BEGIN|COMMIT)\b")


def load_rules():
    with RULES.open() as f:
        data = json.load(f)
    for rule in data["rules"]:
        rule["regex"] = re.compile(rule["pattern"], re.IGNORECASE)
    return data


def version_tuple(text):
    return tuple(int(part) for part in text.split("."))


def deployed_cockroachdb():
    """The CockroachDB version infra/docker-compose.yml runs, as (major, minor)."""
    with COMPOSE.open() as f:
        compose = yaml.safe_load(f)
    versions = set()
    for service in compose["services"].values():
        match = re.fullmatch(r"cockroachdb/cockroach:v(\d+)\.(\d+)\.\d+", str(service.get("image")))
        if match:
            versions.add((int(match.group(1)), int(match.group(2))))
    if len(versions) != 1:
        raise RuntimeError(f"infra/docker-compose.yml runs CockroachDB versions {versions}")
    return versions.pop()


def sql_without_comments(text):
    """SQL text without -- and /* */ comments (string literals kept)."""
    out = []
    i = 0
    while i < len(text):
        if text.startswith("--", i):
            i = text.find("\n", i)
            if i < 0:
                break
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
        elif text[i] == "'":
            end = i + 1
            while end < len(text) and not (text[end] == "'" and text[end + 1:end + 2] != "'"):
                end += 2 if text[end:end + 2] == "''" else 1
            out.append(text[i:end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def cpp_string_literals(source):
    """(line, text) of each C++ string literal, adjacent literals joined as the compiler joins
    them; comments and character literals skipped."""
    literals = []
    i = 0
    line = 1
    pending = None  # [line, text, end offset] of the literal being joined
    while i < len(source):
        c = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = len(source) if end < 0 else end + 2
            line += source.count("\n", i, end)
            i = end
        elif source.startswith('R"', i):
            match = re.match(r'R"([^(\s]*)\(', source[i:])
            close = ")" + match.group(1) + '"'
            end = source.find(close, i + match.end())
            text = source[i + match.end():end]
            pending = join_literal(literals, pending, line, text, source, i)
            line += source.count("\n", i, end)
            i = end + len(close)
            pending[2] = i
        elif c == '"':
            end = i + 1
            while source[end] != '"':
                end += 2 if source[end] == "\\" else 1
            text = bytes(source[i + 1:end], "utf-8").decode("unicode_escape")
            pending = join_literal(literals, pending, line, text, source, i)
            i = end + 1
            pending[2] = i
        elif c == "'" and i > 0 and source[i - 1].isalnum():
            i += 1  # a digit separator (30'000), not a character literal
        elif c == "'":
            end = i + 1
            while source[end] != "'":
                end += 2 if source[end] == "\\" else 1
            i = end + 1
        else:
            if c == "\n":
                line += 1
            i += 1
    if pending:
        literals.append((pending[0], pending[1]))
    return literals


def join_literal(literals, pending, line, text, source, start):
    if pending and source[pending[2]:start].strip() == "":
        pending[1] += text
        return pending
    if pending:
        literals.append((pending[0], pending[1]))
    return [line, text, start]


def migration_statements():
    """(file, line, statement) of every statement of every migration."""
    out = []
    for path in sorted(MIGRATIONS.rglob("*.sql")):
        text = sql_without_comments(path.read_text())
        for statement in text.split(";"):
            if statement.strip():
                out.append((path.relative_to(ROOT).as_posix(), None, " ".join(statement.split())))
    return out


def database_sources():
    """The persistence/ sources that talk to the database (they use libpqxx)."""
    return sorted(p for p in PERSISTENCE.glob("*.[ch]pp") if "pqxx" in p.read_text())


def code_statements():
    """(file, line, text) of the statement text in the persistence/ sources."""
    out = []
    for path in database_sources():
        for line, text in cpp_string_literals(path.read_text()):
            if SQL_KEYWORD.search(text):
                out.append((path.relative_to(ROOT).as_posix(), line, " ".join(text.split())))
    return out


def findings(rules, statements, deployed):
    """(rule, file, line, statement) of each use of a construct the deployment lacks."""
    out = []
    for rule in rules:
        since = rule.get("supported_since")
        if since and deployed >= version_tuple(since):
            continue
        for file, line, text in statements:
            if rule["scope"] == "migrations" and not file.endswith(".sql"):
                continue
            for _ in rule["regex"].finditer(text):
                out.append((rule["id"], file, line, text))
    return out


def unexcused(found, exceptions):
    """The findings no exception covers, and the exceptions no finding uses (stale ones)."""
    counts = {}
    for rule, file, _, _ in found:
        counts[(rule, file)] = counts.get((rule, file), 0) + 1
    allowed = {(e["rule"], e["file"]): e["occurrences"] for e in exceptions}
    problems = []
    for (rule, file), count in sorted(counts.items()):
        if count > allowed.get((rule, file), 0):
            lines = [f"{f}:{ln or '-'}: {t[:160]}" for r, f, ln, t in found
                     if (r, f) == (rule, file)]
            problems.append(f"{rule}: {count} use(s) in {file}, {allowed.get((rule, file), 0)} "
                            "excused:\n  " + "\n  ".join(lines))
    for (rule, file), count in sorted(allowed.items()):
        if counts.get((rule, file), 0) < count:
            problems.append(f"exception for {rule} in {file} covers {count} use(s), "
                            f"{counts.get((rule, file), 0)} found: shrink or drop it")
    return problems


class rules_file(unittest.TestCase):
    """The rules are data a reader can check: each is complete and does what it says."""

    def test_every_rule_has_its_reason_sources_and_examples(self):
        data = load_rules()
        ids = [r["id"] for r in data["rules"]]
        self.assertEqual(len(ids), len(set(ids)), "rule ids repeat")
        for rule in data["rules"]:
            for field in ("pattern", "scope", "cockroachdb", "reason", "sources", "examples"):
                self.assertTrue(rule.get(field), f"{rule['id']} lacks {field}")
            self.assertIn(rule["scope"], ("all", "migrations"))
            for url in rule["sources"]:
                self.assertRegex(url, r"^https://", rule["id"])
            if "supported_since" in rule:
                version_tuple(rule["supported_since"])
        for exception in data["exceptions"]:
            self.assertIn(exception["rule"], ids)
            self.assertTrue((ROOT / exception["file"]).is_file(), exception["file"])
            for field in ("occurrences", "reason", "cockroachdb_deployment"):
                self.assertTrue(exception.get(field), f"exception {exception} lacks {field}")

    def test_each_pattern_matches_its_examples_and_only_those(self):
        for rule in load_rules()["rules"]:
            for text in rule["examples"]["match"]:
                self.assertRegex(sql_without_comments(text), rule["regex"], rule["id"])
            for text in rule["examples"]["pass"]:
                self.assertNotRegex(sql_without_comments(text), rule["regex"], rule["id"])


class scanner(unittest.TestCase):
    """The scan reads what the product runs, and a construct in it fails the test."""

    def test_it_reads_the_statements_of_the_migrations_and_the_code(self):
        migrations = migration_statements()
        code = code_statements()
        files = {f for f, _, _ in migrations}
        self.assertEqual(files, {p.relative_to(ROOT).as_posix()
                                 for p in MIGRATIONS.rglob("*.sql")})
        self.assertTrue(any("CREATE TABLE IF NOT EXISTS events" in t for _, _, t in migrations))
        # Statements built from pieces are read piece by piece, each piece whole.
        self.assertTrue(any("INSERT INTO hold_revocations (account_id, token) VALUES ($1, $2) "
                            "ON CONFLICT (account_id, token) DO NOTHING" in t for _, _, t in code))
        self.assertTrue(any(t.startswith("WITH RECURSIVE walk") for _, _, t in code))
        self.assertIn("persistence/migrate.cpp", {f for f, _, _ in code})
        # Comments are not statements: a migration's comment names constructs it does not use.
        self.assertFalse(any("Portable SQL" in t for _, _, t in migrations))

    def test_only_persistence_talks_to_the_database(self):
        # Otherwise the scan of persistence/ would not be all the SQL the product runs.
        for folder in PRODUCT_FOLDERS:
            if folder == "persistence":
                continue
            for path in (ROOT / folder).rglob("*.[ch]pp"):
                self.assertNotIn("pqxx", path.read_text(), path)

    def test_a_construct_in_a_migration_or_the_code_is_found(self):
        rules = load_rules()["rules"]
        statements = [("persistence/migrations/events/099_x.sql", None,
                       "CREATE TABLE t (id SERIAL PRIMARY KEY)"),
                      ("persistence/pg_x.cpp", 7, "SELECT pg_advisory_lock($1)"),
                      ("persistence/pg_x.cpp", 9, "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0)")]
        found = {(rule, file) for rule, file, _, _ in findings(rules, statements, (23, 1))}
        self.assertEqual(found, {("serial", "persistence/migrations/events/099_x.sql"),
                                 ("advisory_locks", "persistence/pg_x.cpp")})

    def test_a_rule_applies_below_its_version_only(self):
        rules = load_rules()["rules"]
        statements = [("persistence/pg_x.cpp", 1, "SELECT 1 FROM outbox FOR UPDATE SKIP LOCKED")]
        self.assertIn("skip_locked", {r for r, _, _, _ in findings(rules, statements, (22, 1))})
        self.assertNotIn("skip_locked", {r for r, _, _, _ in findings(rules, statements, (22, 2))})

    def test_an_unexcused_use_and_a_stale_exception_are_reported(self):
        found = [("row_locks", "persistence/pg_statements.cpp", 1, "... FOR UPDATE")] * 2
        exception = [{"rule": "row_locks", "file": "persistence/pg_statements.cpp",
                      "occurrences": 1}]
        self.assertTrue(unexcused(found, exception)[0].startswith("row_locks: 2 use(s)"))
        self.assertIn("shrink or drop it", unexcused(found[:0], exception)[0])

    def test_cpp_literals_are_joined_and_comments_skipped(self):
        source = ('// "SELECT xmin FROM t"\nauto s = "SELECT a"\n  " FROM t";\n'
                  "int n = 30'000; char q = '\"'; /* \"LISTEN x\" */\n"
                  "auto r = R\"(NOTIFY \"x\")\";\n")
        self.assertEqual(cpp_string_literals(source),
                         [(2, "SELECT a FROM t"), (5, 'NOTIFY "x"')])


class our_sql(unittest.TestCase):
    """The product's SQL uses nothing the deployed CockroachDB lacks, but for its exceptions."""

    def test_no_unexcused_construct(self):
        data = load_rules()
        statements = migration_statements() + code_statements()
        found = findings(data["rules"], statements, deployed_cockroachdb())
        self.assertEqual(unexcused(found, data["exceptions"]), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
