#!/usr/bin/env python3
"""The production topology's compose file, checked without Docker (CTest `compose`, label
static).

Docker does not run where this project is built and tested, so infra/docker-compose.yml is
never started here. What can be known without starting it is checked: the file is read with a
real YAML parser (python3-yaml, anchors and merge keys resolved as Compose resolves them) and
its structure held against the topology docs/HLD.md describes, the node's and the CLI's real
options (their --help), the Dockerfile and the project's package list. Each check is a function
that returns problems; the mutation tests at the end break a copy of the file in one way each
and show that the check notices.

Run by ctest with CHRONICLED and CHRONICLE_CLI naming the built programs.
"""

import copy
import os
import re
import subprocess
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "infra" / "docker-compose.yml"
INFRA = COMPOSE.parent
PACKAGES = ROOT / "infra" / "local" / "packages.txt"
RUNTIME_PACKAGES = ROOT / "infra" / "docker" / "runtime-packages.sh"

COCKROACH_IMAGE = "cockroachdb/cockroach"
COCKROACH_SQL_PORT = 26257
NATS_CLIENT_PORT = 4222
NATS_CLUSTER_PORT = 6222
LEDGER_CLUSTER_PORT = 8190
POSTGRES_PORT = 5432
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# Event-store connection options of the node and of `chronicle migrate`.
EVENT_STORE_VARS = {"CHRONICLE_EVENTS_DB", "CHRONICLE_PROJECTOR_EVENTS_DB", "CHRONICLE_ADMIN_DB"}
STATE_VARS = {"CHRONICLE_STATE_DB", "CHRONICLE_PROJECTOR_STATE_DB", "CHRONICLE_STATE_ADMIN_DB"}
SECRET_REFERENCE = re.compile(r"^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$")


def load_compose():
    with COMPOSE.open() as f:
        return yaml.safe_load(f)


def program(variable):
    path = os.environ.get(variable)
    if not path:
        raise RuntimeError(f"{variable} is not set: run this test through ctest")
    return path


def help_env_names(*argv):
    """The environment variables a program's --help names: '  --name  (ENV)'."""
    out = subprocess.run([*argv, "--help"], capture_output=True, text=True, check=True).stdout
    names = set(re.findall(r"^\s+--[\w-]+\s+\(([A-Z][A-Z0-9_]*)\)", out, re.MULTILINE))
    if not names:
        raise RuntimeError(f"{' '.join(argv)} --help named no environment variables")
    return names


def words(value):
    """A command or entrypoint as a list of words."""
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def flag(argv, name):
    """The value of --name=value in a command, or None."""
    for word in argv:
        if word.startswith(f"--{name}="):
            return word.split("=", 1)[1]
    return None


def depends_on(service):
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def is_one_shot(service):
    return service.get("restart") == "no"


def cockroach_nodes(services):
    return {name: s for name, s in services.items()
            if str(s.get("image", "")).startswith(COCKROACH_IMAGE)
            and words(s.get("command"))[:1] == ["start"]}


def nats_servers(services):
    return {name: s for name, s in services.items()
            if words(s.get("command"))[:1] == ["nats-server"]}


def built_target(service):
    build = service.get("build")
    return build.get("target") if isinstance(build, dict) else None


def ledger_nodes(services):
    """The chronicled nodes: the ledger image with its default command (chronicled)."""
    return {name: s for name, s in services.items()
            if built_target(s) == "chronicled" and "command" not in s}


def mounted_scripts(service):
    """(host path, container path) of the ./docker/*.sh files a service mounts."""
    out = []
    for volume in service.get("volumes") or []:
        parts = str(volume).split(":")
        if parts[0].startswith("./") and parts[0].endswith(".sh"):
            out.append(((INFRA / parts[0]).resolve(), parts[1]))
    return out


def script_of(service):
    """The commands of the script a one-shot job runs (its entrypoint's mounted script),
    without comment lines."""
    argv = words(service.get("entrypoint"))
    for host, container in mounted_scripts(service):
        if container in argv and host.is_file():
            lines = host.read_text().splitlines()
            return "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return ""


def published(service):
    """(host address, host port, container port) of each published port."""
    out = []
    for port in service.get("ports") or []:
        parts = str(port).split(":")
        if len(parts) != 3:
            out.append((None, parts[0], parts[-1]))
        else:
            out.append(tuple(parts))
    return out


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def libpq_url(url):
    """(user, password, [(host, port)], database, {parameter: value}) of a multi-host URL."""
    match = re.fullmatch(r"postgres(?:ql)?://([^:@/]+):([^@]*)@([^/]+)/([^?]+)(?:\?(.*))?", url)
    if not match:
        return None
    user, password, hosts, database, query = match.groups()
    endpoints = []
    for host in hosts.split(","):
        name, _, port = host.partition(":")
        endpoints.append((name, int(port) if port else 5432))
    params = dict(p.split("=", 1) for p in (query or "").split("&") if p)
    return user, password, endpoints, database, params


# --- Checks: each returns a list of problems -----------------------------------------------------


def check_topology(compose):
    services = compose.get("services") or {}
    problems = []
    for kind, found in (("CockroachDB node", cockroach_nodes(services)),
                        ("NATS server", nats_servers(services)),
                        ("chronicled node", ledger_nodes(services))):
        if len(found) != 3:
            problems.append(f"{len(found)} {kind}s ({sorted(found)}), not three")
    if not any(s.get("image", "").startswith("postgres:") for s in services.values()):
        problems.append("no PostgreSQL service for the read models")
    images = {s["image"] for s in services.values()
              if str(s.get("image", "")).startswith(COCKROACH_IMAGE)}
    if len(images) != 1:
        problems.append(f"CockroachDB services run different images: {sorted(images)}")
    return problems


def check_cockroach_cluster(compose):
    services = compose["services"]
    nodes = cockroach_nodes(services)
    addresses = {f"{name}:{COCKROACH_SQL_PORT}" for name in nodes}
    problems = []
    stores = []
    for name, node in nodes.items():
        argv = words(node["command"])
        if flag(argv, "advertise-addr") != f"{name}:{COCKROACH_SQL_PORT}":
            problems.append(f"{name} advertises {flag(argv, 'advertise-addr')}, not itself")
        join = set((flag(argv, "join") or "").split(","))
        if join != addresses:
            problems.append(f"{name} joins {sorted(join)}, not all of {sorted(addresses)}")
        if not flag(argv, "certs-dir"):
            problems.append(f"{name} runs without --certs-dir (an insecure cluster)")
        store = (flag(argv, "store") or "").replace("path=", "")
        mounts = [str(v).split(":") for v in node.get("volumes") or []]
        volume = next((m[0] for m in mounts if len(m) > 1 and m[1] == store), None)
        if volume is None:
            problems.append(f"{name} keeps its store {store!r} outside any volume")
        stores.append(volume)
    if len(set(stores)) != len(stores):
        problems.append(f"CockroachDB nodes share a store volume: {stores}")

    inits = [n for n, s in services.items() if is_one_shot(s) and "cockroach init" in script_of(s)]
    if len(inits) != 1:
        problems.append(f"{len(inits)} one-shot `cockroach init` jobs ({inits}), not one")
        return problems
    init = inits[0]
    text = script_of(services[init])
    if not re.search(r"--host=(%s)\b" % "|".join(map(re.escape, nodes)), text):
        problems.append(f"{init} does not name a CockroachDB node with --host")
    deps = depends_on(services[init])
    for name in nodes:
        if name not in deps:
            problems.append(f"{init} does not wait for {name}")
    return problems


def check_migration_job(compose):
    services = compose["services"]
    migrations = [n for n, s in services.items() if words(s.get("command")) == ["chronicle",
                                                                                 "migrate"]]
    if len(migrations) != 1:
        return [f"{len(migrations)} `chronicle migrate` jobs ({migrations}), not one"]
    migrate = migrations[0]
    problems = []
    if not is_one_shot(services[migrate]):
        problems.append(f"{migrate} is not a one-shot job (restart: \"no\")")
    deps = depends_on(services[migrate])
    inits = [n for n, s in services.items() if "cockroach init" in script_of(s)]
    if not inits or deps.get(inits[0]) != "service_completed_successfully":
        problems.append(f"{migrate} does not wait for `cockroach init` to complete")
    postgres = [n for n, s in services.items() if str(s.get("image", "")).startswith("postgres:")]
    if postgres and deps.get(postgres[0]) != "service_healthy":
        problems.append(f"{migrate} does not wait for {postgres[0]} to be healthy")
    for name, node in ledger_nodes(services).items():
        if depends_on(node).get(migrate) != "service_completed_successfully":
            problems.append(f"{name} does not wait for {migrate} to complete")
        env = environment(node)
        for var in ("CHRONICLE_ADMIN_DB", "CHRONICLE_STATE_ADMIN_DB"):
            if env.get(var, None) != "":
                problems.append(f"{name} migrates at start ({var} not empty): the job does that")
    return problems


def check_dependencies(compose):
    services = compose["services"]
    problems = []
    waited_on = set()
    for name, service in services.items():
        for dep, condition in depends_on(service).items():
            if dep not in services:
                problems.append(f"{name} depends on {dep}, which does not exist")
                continue
            if condition not in CONDITIONS:
                problems.append(f"{name} waits for {dep} with unknown condition {condition}")
            if condition == "service_healthy" and "healthcheck" not in services[dep]:
                problems.append(f"{name} waits for {dep} to be healthy; it has no health check")
            if condition == "service_completed_successfully":
                waited_on.add(dep)
                if not is_one_shot(services[dep]):
                    problems.append(f"{name} waits for {dep} to complete; it never does")
            if condition == "service_started" and not is_one_shot(service):
                problems.append(f"{name} waits only for {dep} to start, not to be healthy")
    for name, service in services.items():
        if is_one_shot(service) and name not in waited_on:
            problems.append(f"one-shot job {name}: nothing waits for it to complete")
    # Compose refuses a cycle; so does this check.
    remaining = {name: set(depends_on(s)) & set(services) for name, s in services.items()}
    while remaining:
        ready = [name for name, deps in remaining.items() if not deps]
        if not ready:
            problems.append(f"depends_on has a cycle among {sorted(remaining)}")
            break
        for name in ready:
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)
    return problems


def check_health(compose):
    problems = []
    for name, service in compose["services"].items():
        if is_one_shot(service):
            if service.get("ports"):
                problems.append(f"one-shot job {name} publishes ports")
            continue
        test = (service.get("healthcheck") or {}).get("test")
        if not test or words(test)[:1] == ["NONE"]:
            problems.append(f"{name} runs for good and has no health check")
        if service.get("restart") is None:
            problems.append(f"{name} runs for good and has no restart policy")
    for name, node in ledger_nodes(compose["services"]).items():
        port = environment(node).get("CHRONICLE_HTTP_PORT")
        test = " ".join(words(node["healthcheck"]["test"]))
        if f"127.0.0.1:{port}/health" not in test:
            problems.append(f"{name}'s health check does not ask GET /health on its port {port}")
        if not any(container == port for _, _, container in published(node)):
            problems.append(f"{name} does not publish its HTTP port {port}")
    return problems


def check_ports(compose):
    problems = []
    seen = {}
    for name, service in compose["services"].items():
        for address, host_port, _ in published(service):
            if address != "127.0.0.1":
                where = address or "every address"
                problems.append(f"{name} publishes port {host_port} on {where}")
            if host_port in seen:
                problems.append(f"{name} and {seen[host_port]} both publish host port {host_port}")
            seen[host_port] = name
    return problems


def check_environment(compose, node_vars, migrate_vars, keys_vars):
    services = compose["services"]
    problems = []
    allowed_by_role = []
    for name, node in ledger_nodes(services).items():
        allowed_by_role.append((name, node, node_vars))
    for name, service in services.items():
        argv = words(service.get("command"))
        if argv == ["chronicle", "migrate"]:
            allowed_by_role.append((name, service, migrate_vars))
        elif "chronicle keys create" in " ".join(argv):
            allowed_by_role.append((name, service, keys_vars))
    for name, service, allowed in allowed_by_role:
        for var in environment(service):
            if var.startswith("CHRONICLE_") and var not in allowed:
                problems.append(f"{name} sets {var}, which its program does not read")
    ids = [environment(n).get("CHRONICLE_NODE_ID") for n in ledger_nodes(services).values()]
    if None in ids or len(set(ids)) != len(ids):
        problems.append(f"the nodes' CHRONICLE_NODE_ID are not set and distinct: {ids}")
    return problems


def check_connections(compose):
    services = compose["services"]
    roach = {(name, COCKROACH_SQL_PORT) for name in cockroach_nodes(services)}
    postgres = {name for name, s in services.items()
                if str(s.get("image", "")).startswith("postgres:")}
    nats = {f"nats://{name}:{NATS_CLIENT_PORT}" for name in nats_servers(services)}
    problems = []
    for name, service in services.items():
        env = environment(service)
        mounts = [str(v).split(":")[1] for v in service.get("volumes") or [] if ":" in str(v)]
        for var, value in env.items():
            if var in EVENT_STORE_VARS | STATE_VARS and value == "":
                continue
            if var not in EVENT_STORE_VARS | STATE_VARS:
                continue
            url = libpq_url(value)
            if url is None:
                problems.append(f"{name} {var} is not a libpq URL")
                continue
            _, password, endpoints, _, params = url
            if not SECRET_REFERENCE.match(password):
                problems.append(f"{name} {var} has a password written in the file")
            if var in EVENT_STORE_VARS:
                if set(endpoints) != roach:
                    problems.append(f"{name} {var} names {endpoints}, not every CockroachDB node")
                if params.get("target_session_attrs") != "read-write":
                    problems.append(f"{name} {var} lacks target_session_attrs=read-write")
                if params.get("sslmode") != "verify-full":
                    problems.append(f"{name} {var} does not verify the cluster (sslmode)")
                root = params.get("sslrootcert", "")
                if not any(root.startswith(m + "/") for m in mounts):
                    problems.append(f"{name} {var}: sslrootcert {root!r} is in no mounted volume")
            elif {host for host, _ in endpoints} != postgres or \
                    {port for _, port in endpoints} != {POSTGRES_PORT}:
                problems.append(f"{name} {var} names {endpoints}, not the read-model PostgreSQL")
        if name in ledger_nodes(services):
            if set(env.get("CHRONICLE_NATS", "").split(",")) != nats:
                problems.append(f"{name} CHRONICLE_NATS is not every NATS server: "
                                f"{env.get('CHRONICLE_NATS')}")
        for var, value in env.items():
            if "PASSWORD" in var and not SECRET_REFERENCE.match(value):
                problems.append(f"{name} {var} is written in the file, not taken from the "
                                "environment")
    return problems


def check_ledger_cluster(compose):
    """The chronicled nodes form one actor cluster, each on its own name, none published."""
    problems = []
    for name, node in ledger_nodes(compose["services"]).items():
        address = environment(node).get("CHRONICLE_CLUSTER", "")
        if address != f"{name}:{LEDGER_CLUSTER_PORT}":
            problems.append(f"{name} joins the actor cluster as {address!r}, "
                            f"not {name}:{LEDGER_CLUSTER_PORT}")
        published = [str(p) for p in node.get("ports") or []]
        if any(p.rsplit(":", 1)[-1].split("/")[0] == str(LEDGER_CLUSTER_PORT) for p in published):
            problems.append(f"{name} publishes its unauthenticated cluster port")
    return problems


def check_nats_cluster(compose):
    servers = nats_servers(compose["services"])
    problems = []
    clusters = set()
    for name, server in servers.items():
        argv = words(server["command"])
        if "--jetstream" not in argv:
            problems.append(f"{name} runs without JetStream")
        clusters.add(flag(argv, "cluster_name"))
        routes = set((flag(argv, "routes") or "").split(","))
        others = {f"nats://{o}:{NATS_CLUSTER_PORT}" for o in servers if o != name}
        if not others <= routes:
            problems.append(f"{name} routes to {sorted(routes)}, not to {sorted(others)}")
        if flag(argv, "cluster") != f"nats://0.0.0.0:{NATS_CLUSTER_PORT}":
            problems.append(f"{name} does not listen for its cluster on {NATS_CLUSTER_PORT}")
        if not flag(argv, "store_dir"):
            problems.append(f"{name} keeps JetStream data nowhere (--store_dir)")
    if len(clusters) != 1 or None in clusters:
        problems.append(f"the NATS servers are not one cluster: {clusters}")
    return problems


def help_flags(*argv):
    """The long options a program's --help lists ('--name', '--name=VALUE', '--name <v>')."""
    run = subprocess.run([*argv, "--help"], capture_output=True, text=True)
    flags = set(re.findall(r"(?<![\w-])--([a-z][\w-]*)", run.stdout + run.stderr))
    if not flags:
        raise RuntimeError(f"{' '.join(argv)} --help listed no options")
    return flags


def check_known_flags(compose, nats_flags, pg_isready_flags):
    """The NATS servers' command lines and PostgreSQL's health check use only options the
    programs have (Debian's nats-server and pg_isready, the versions of the images)."""
    problems = []
    for name, service in compose["services"].items():
        argv = words(service.get("command"))
        test = words((service.get("healthcheck") or {}).get("test"))
        runs = []
        if argv[:1] == ["nats-server"]:
            runs.append((argv, nats_flags))
        if test[1:2] == ["pg_isready"]:
            runs.append((test[1:], pg_isready_flags))
        for program_argv, known in runs:
            for word in program_argv[1:]:
                option = word[2:].split("=", 1)[0] if word.startswith("--") else None
                if option is not None and option not in known:
                    problems.append(f"{name} runs {program_argv[0]} with --{option}, which it "
                                    "does not have")
    return problems


def check_files(compose):
    """Mounted scripts exist and parse; build sections name the Dockerfile and its stages."""
    problems = []
    for name, service in compose["services"].items():
        for host, _ in mounted_scripts(service):
            if not host.is_file():
                problems.append(f"{name} mounts {host}, which does not exist")
                continue
            parsed = subprocess.run(["bash", "-n", str(host)], capture_output=True, text=True)
            if parsed.returncode != 0:
                problems.append(f"{host} does not parse: {parsed.stderr.strip()}")
        build = service.get("build")
        if isinstance(build, dict):
            dockerfile = (INFRA / build.get("context", ".") / build["dockerfile"]).resolve()
            if not dockerfile.is_file():
                problems.append(f"{name} builds from {dockerfile}, which does not exist")
                continue
            stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", dockerfile.read_text(), re.M | re.I)
            if build.get("target") not in stages:
                problems.append(f"{name} builds target {build.get('target')}, not a stage of "
                                f"{dockerfile.name} ({stages})")
    for name in compose.get("volumes") or {}:
        used = any(str(v).split(":")[0] == name for s in compose["services"].values()
                   for v in s.get("volumes") or [])
        if not used:
            problems.append(f"volume {name} is declared and never mounted")
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0]
            if not source.startswith(("./", "/")) and source not in (compose.get("volumes") or {}):
                problems.append(f"{name} mounts volume {source}, which is not declared")
    return problems


def package_list():
    names = []
    for line in PACKAGES.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def check_dockerfile(dockerfile_text, packages):
    """Debian 12 only; the package list is the project's; no other list kept by hand."""
    problems = []
    # Join continued lines, so each instruction is one line.
    text = re.sub(r"\\\n", " ", dockerfile_text)
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, re.M))
    stages = []
    for image, stage in re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M | re.I):
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        if resolved not in stages and resolved != "debian:12":
            problems.append(f"a stage starts from {resolved}, not debian:12")
        stages.append(stage)
    if "infra/local/packages.txt" not in text or not re.search(
            r"^RUN\s+bash\s+infra/local/deps\.sh\s+packages\.txt\b", text, re.M):
        problems.append("the build stage does not install infra/local/packages.txt with deps.sh")
    if not re.search(r"runtime-packages\.sh\s+build/bin/chronicled\s+build/bin/chronicle\b",
                     text):
        problems.append("the runtime packages are not read off the built programs")
    if not re.search(r"xargs\s+-a\s+\S*runtime-packages\.txt\s+apt-get\s+install", text):
        problems.append("the runtime stage does not install the packages read off the programs")
    for command in re.findall(r"apt-get\s+install\s+([^&;|]*)", text):
        for word in command.split():
            if word.startswith("-"):
                continue
            if word not in packages:
                problems.append(f"the Dockerfile installs {word}, which infra/local/packages.txt "
                                "does not list")
    return problems


def dockerfiles(compose):
    out = set()
    for service in compose["services"].values():
        build = service.get("build")
        if isinstance(build, dict):
            out.add((INFRA / build.get("context", ".") / build["dockerfile"]).resolve())
    return out


class compose_file(unittest.TestCase):
    """The real file: no check finds a problem."""

    @classmethod
    def setUpClass(cls):
        cls.compose = load_compose()
        cls.node_vars = help_env_names(program("CHRONICLED"))
        cls.migrate_vars = help_env_names(program("CHRONICLE_CLI"), "migrate")
        cls.keys_vars = help_env_names(program("CHRONICLE_CLI"), "keys", "create")
        cls.nats_flags = help_flags("nats-server")
        cls.pg_isready_flags = help_flags("pg_isready")

    def all_problems(self, compose):
        return (check_topology(compose) + check_cockroach_cluster(compose) +
                check_migration_job(compose) + check_dependencies(compose) +
                check_health(compose) + check_ports(compose) +
                check_environment(compose, self.node_vars, self.migrate_vars, self.keys_vars) +
                check_connections(compose) + check_nats_cluster(compose) +
                check_ledger_cluster(compose) + check_files(compose) +
                check_known_flags(compose, self.nats_flags, self.pg_isready_flags))

    def test_the_topology_holds(self):
        self.assertEqual(self.all_problems(self.compose), [])

    def test_the_dockerfiles_use_debian_12_and_the_package_list(self):
        found = dockerfiles(self.compose)
        self.assertEqual(len(found), 1, found)
        for dockerfile in found:
            self.assertEqual(check_dockerfile(dockerfile.read_text(), package_list()), [])

    def test_the_runtime_packages_are_read_off_the_built_programs(self):
        # The script the Dockerfile runs, on this machine's (Debian 12) build of the programs.
        run = subprocess.run(["bash", str(RUNTIME_PACKAGES), program("CHRONICLED"),
                              program("CHRONICLE_CLI")], capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        found = run.stdout.split()
        for library in ("libpqxx-6.4", "libnats3.4", "libcaf-core0.17", "libssl3"):
            self.assertIn(library, found)
        for package in found:
            status = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", package],
                                    capture_output=True, text=True).stdout
            self.assertEqual(status, "installed", package)


class compose_checks_notice(unittest.TestCase):
    """Each check, given the real file broken in one way, reports it."""

    @classmethod
    def setUpClass(cls):
        cls.compose = load_compose()
        cls.node_vars = help_env_names(program("CHRONICLED"))
        cls.migrate_vars = help_env_names(program("CHRONICLE_CLI"), "migrate")
        cls.keys_vars = help_env_names(program("CHRONICLE_CLI"), "keys", "create")

    def broken(self):
        return copy.deepcopy(self.compose)

    def assertReports(self, problems, text):
        self.assertTrue(any(text in p for p in problems), f"{text!r} not in {problems}")

    def test_a_missing_cockroachdb_node(self):
        c = self.broken()
        del c["services"]["roach-3"]
        self.assertReports(check_topology(c), "2 CockroachDB nodes")

    def test_a_node_that_does_not_join_all_others(self):
        c = self.broken()
        argv = c["services"]["roach-2"]["command"]
        argv[:] = [w if not w.startswith("--join=") else "--join=roach-1:26257" for w in argv]
        self.assertReports(check_cockroach_cluster(c), "roach-2 joins")

    def test_no_init_job(self):
        c = self.broken()
        del c["services"]["roach-init"]
        self.assertReports(check_cockroach_cluster(c), "0 one-shot `cockroach init` jobs")

    def test_a_migration_job_that_does_not_wait_for_init(self):
        c = self.broken()
        del c["services"]["migrate"]["depends_on"]["roach-init"]
        self.assertReports(check_migration_job(c), "does not wait for `cockroach init`")

    def test_a_node_that_does_not_wait_for_the_migrations(self):
        c = self.broken()
        c["services"]["node-2"]["depends_on"]["migrate"]["condition"] = "service_started"
        self.assertReports(check_migration_job(c), "node-2 does not wait for migrate")

    def test_a_long_running_service_without_a_health_check(self):
        c = self.broken()
        del c["services"]["nats-2"]["healthcheck"]
        self.assertReports(check_health(c), "nats-2 runs for good and has no health check")
        self.assertReports(check_dependencies(c), "waits for nats-2 to be healthy")

    def test_waiting_for_a_service_that_never_completes(self):
        c = self.broken()
        c["services"]["migrate"]["depends_on"]["postgres"]["condition"] = \
            "service_completed_successfully"
        self.assertReports(check_dependencies(c), "waits for postgres to complete")

    def test_a_dependency_cycle(self):
        c = self.broken()
        c["services"]["roach-init"]["depends_on"]["migrate"] = {
            "condition": "service_completed_successfully"}
        self.assertReports(check_dependencies(c), "cycle")

    def test_colliding_ports(self):
        c = self.broken()
        c["services"]["node-3"]["ports"] = ["127.0.0.1:8081:8080"]
        self.assertReports(check_ports(c), "both publish host port 8081")

    def test_a_port_published_on_every_address(self):
        c = self.broken()
        c["services"]["postgres"]["ports"] = ["5433:5432"]
        self.assertReports(check_ports(c), "on every address")

    def test_an_option_the_node_does_not_have(self):
        c = self.broken()
        c["services"]["node-1"]["environment"]["CHRONICLE_REPLICAS"] = "3"
        problems = check_environment(c, self.node_vars, self.migrate_vars, self.keys_vars)
        self.assertReports(problems, "node-1 sets CHRONICLE_REPLICAS")

    def test_a_node_outside_the_actor_cluster(self):
        c = self.broken()
        del c["services"]["node-2"]["environment"]["CHRONICLE_CLUSTER"]
        self.assertReports(check_ledger_cluster(c), "node-2 joins the actor cluster as ''")

    def test_a_published_cluster_port(self):
        c = self.broken()
        c["services"]["node-3"]["ports"].append(f"127.0.0.1:9190:{LEDGER_CLUSTER_PORT}")
        self.assertReports(check_ledger_cluster(c), "node-3 publishes its unauthenticated")

    def test_an_event_store_url_on_one_host(self):
        c = self.broken()
        env = c["services"]["node-3"]["environment"]
        env["CHRONICLE_EVENTS_DB"] = env["CHRONICLE_EVENTS_DB"].replace(
            "roach-1:26257,roach-2:26257,", "")
        self.assertReports(check_connections(c), "not every CockroachDB node")

    def test_a_password_written_in_the_file(self):
        c = self.broken()
        env = c["services"]["migrate"]["environment"]
        env["CHRONICLE_ADMIN_DB"] = re.sub(r"\$\{[^}]*\}", "hunter2", env["CHRONICLE_ADMIN_DB"])
        self.assertReports(check_connections(c), "password written in the file")

    def test_a_nats_server_outside_the_cluster(self):
        c = self.broken()
        argv = c["services"]["nats-3"]["command"]
        argv[:] = [w for w in argv if not w.startswith("--routes=")]
        self.assertReports(check_nats_cluster(c), "nats-3 routes to")

    def test_a_dockerfile_on_another_base_or_with_its_own_list(self):
        text = (ROOT / "infra" / "docker" / "Dockerfile").read_text()
        self.assertReports(check_dockerfile(text.replace("debian:12", "ubuntu:24.04"),
                                            package_list()), "not debian:12")
        self.assertReports(check_dockerfile(text.replace("nats-server curl", "nats-server jq"),
                                            package_list()), "installs jq")
        self.assertReports(check_dockerfile(text.replace("deps.sh packages.txt", "deps.sh x.txt"),
                                            package_list()), "does not install infra/local")

    def test_an_option_nats_server_or_pg_isready_does_not_have(self):
        c = self.broken()
        c["services"]["nats-1"]["command"].append("--replicas=3")
        c["services"]["postgres"]["healthcheck"]["test"].append("--wait")
        problems = check_known_flags(c, help_flags("nats-server"), help_flags("pg_isready"))
        self.assertReports(problems, "nats-1 runs nats-server with --replicas")
        self.assertReports(problems, "postgres runs pg_isready with --wait")

    def test_a_missing_script(self):
        c = self.broken()
        c["services"]["roach-init"]["volumes"][0] = "./docker/nope.sh:/setup/cockroach-init.sh:ro"
        self.assertReports(check_files(c), "does not exist")


if __name__ == "__main__":
    unittest.main(verbosity=2)
