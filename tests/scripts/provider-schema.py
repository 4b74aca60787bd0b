#!/usr/bin/env python3
"""provider-schema.py: a Terraform provider's schema, from CDK for Terraform's
prebuilt provider package, as a small JSON file for tests/provider_schema.rs.

Usage: provider-schema.py PACKAGE_DIR OUT.json [PULUMI_DIR]

PACKAGE_DIR is an extracted `npm pack` of @cdktf/provider-<name> holding at
least `package/.jsii` (the jsii assembly: every resource, data source and the
provider as a class whose doc links the registry page, with a config struct
whose properties link the Terraform argument by anchor) and `package/lib/**/*.js`
(the generated code, which says `isBlock: true|false` for every argument).
See /work/shared/ORACLES.md "Provider schemas without provider binaries".

Output, compact (sorted keys, so the same package gives the same bytes):
  {"provider": "hashicorp/aws", "version": "6.25.0", "package": "...",
   "provider_config": BLOCK, "resource": {"aws_instance": BLOCK, ...},
   "data": {"aws_ami": BLOCK, ...}}
  BLOCK = {"a": {"ami": 0, "subnet_id": 1, ...},        # attribute: 1 required, 0 optional
           "b": {"metadata_options": {"min": 0, "max": 1, "s": BLOCK}, ...}}
  max is 1 for a block the schema allows once (jsii: a single struct), 0 for any number.
   "deprecated": {"resource.aws_instance.security_groups": "message", ...}}
Deprecation notes are not in the cdktf packages. PULUMI_DIR, an extracted
`npm pack` of the Pulumi package bridged from the same provider (@pulumi/aws,
@pulumi/azure), has them as `@deprecated` in its `*.d.ts`: resource arguments in
`<module>/<name>.d.ts` (`interface <Class>Args`), data source arguments in
`<module>/get<Class>.d.ts` (`interface Get<Class>Args`), nested blocks in
`types/input.d.ts` (`namespace <module> { interface <Class><Block> }`). Pulumi
names are camelCase and pluralise lists (`networkInterfaces` for
`network_interface`); a type is matched to its Pulumi class by name
(`aws_s3_bucket` = s3.Bucket, `aws_instance` = ec2.Instance).
"""
import json
import os
import re
import sys

LINK = re.compile(r"\{@link https://registry\.terraform\.io/providers/([^/]+/[^/]+)/([^/]+)/docs(?:/(resources|data-sources)/[^ #}]*)?(?:#([A-Za-z0-9_]+))? ([^}]*)\}")
JS_ARG = re.compile(r"^\s*([a-z0-9_]+): \{\s*$")
JS_BLOCK = re.compile(r"^\s*isBlock: (true|false),\s*$")


def snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def doc_text(docs):
    return (docs or {}).get("summary", "") + " " + (docs or {}).get("remarks", "")


def struct_fqn(ty):
    """(fqn, many) when the type is a struct or a list of structs, else None."""
    if "fqn" in ty and not ty["fqn"].startswith("cdktf."):
        return ty["fqn"], False
    if "collection" in ty:
        inner = struct_fqn(ty["collection"]["elementtype"])
        if inner:
            return inner[0], True
    if "union" in ty:
        for t in ty["union"]["types"]:
            inner = struct_fqn(t)
            if inner:
                return inner[0], True if "collection" in t else inner[1]
    return None


def js_blocks(lib):
    """Terraform argument names the generated code marks `isBlock: true`, and
    those it marks false, across the package (a name may be both in different
    resources; the jsii docs decide then)."""
    blocks, attrs = set(), set()
    for root, _, files in os.walk(lib):
        for f in files:
            if not f.endswith(".js"):
                continue
            last = None
            with open(os.path.join(root, f), encoding="utf-8") as fh:
                for line in fh:
                    m = JS_ARG.match(line)
                    if m:
                        last = m.group(1)
                        continue
                    m = JS_BLOCK.match(line)
                    if m and last:
                        (blocks if m.group(1) == "true" else attrs).add(last)
                        last = None
    return blocks, attrs


DTS_IFACE = re.compile(r"^(\s*)(?:export )?interface (\w+) \{\s*$")
DTS_NS = re.compile(r"^export declare namespace (\w+) \{\s*$")
DTS_PROP = re.compile(r"^\s*(?:readonly )?(\w+)\??: ")


def dts_deprecations(path):
    """{(namespace, interface): {prop: message or None}} of one .d.ts file."""
    out = {}
    ns, iface, doc = None, None, []
    in_doc = False
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = DTS_NS.match(line)
            if m:
                ns = m.group(1)
                continue
            m = DTS_IFACE.match(line)
            if m:
                iface = (ns, m.group(2))
                continue
            s = line.strip()
            if s.startswith("/**"):
                in_doc, doc = True, []
            if in_doc:
                doc.append(s.lstrip("/* ").rstrip("*/ "))
                if s.endswith("*/"):
                    in_doc = False
                continue
            m = DTS_PROP.match(line)
            if m and iface:
                text = " ".join(doc)
                msg = None
                if "@deprecated" in text:
                    msg = text.split("@deprecated", 1)[1].strip() or "deprecated"
                out.setdefault(iface, {})[m.group(1)] = msg
                doc = []
    return out


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def pascal(name):
    c = camel(name)
    return c[:1].upper() + c[1:]


def pulumi_names(tf_name):
    """Pulumi spellings of a Terraform argument (lists are pluralised)."""
    c = camel(tf_name)
    names = {c, c + "s", c + "es"}
    if c.endswith("y"):
        names.add(c[:-1] + "ies")
    return names


def deprecations(schema, pulumi, prefix):
    """Deprecated arguments of the schema's resources and data sources, as
    {"resource.<type>.<path>": message}."""
    root = os.path.join(pulumi, "package")
    by_file = {}
    classes = {}  # (kind, key) -> [(module, class)]
    for module in sorted(os.listdir(root)):
        mdir = os.path.join(root, module)
        if not os.path.isdir(mdir) or module in ("types", "config", "node_modules"):
            continue
        for f in sorted(os.listdir(mdir)):
            if not f.endswith(".d.ts") or f == "index.d.ts":
                continue
            deps = dts_deprecations(os.path.join(mdir, f))
            by_file[(module, f)] = deps
            base = f[:-5]
            if base.startswith("get") and base[3:4].isupper():
                kind, cls = "data", base[3:]
            else:
                kind, cls = "resource", base[:1].upper() + base[1:]
            for key in (snake(cls), snake(module) + "_" + snake(cls)):
                classes.setdefault((kind, key), []).append((module, cls, f))
    nested = dts_deprecations(os.path.join(root, "types", "input.d.ts"))
    out = {}

    def walk(kind, tf_type, path, body, module, iface_deps, iface_name):
        for group in ("a", "b"):
            for name, val in body[group].items():
                msg = next((iface_deps[p] for p in pulumi_names(name) if iface_deps.get(p)), None)
                if msg:
                    out[f"{kind}.{tf_type}.{path}{name}"] = msg
                if group == "b":
                    child = iface_name + pascal(name)
                    walk(kind, tf_type, f"{path}{name}.", val["s"], module,
                         nested.get((module, child), {}), child)

    for kind in ("resource", "data"):
        for tf_type, body in schema[kind].items():
            key = tf_type[len(prefix):]
            cands = classes.get((kind, key), [])
            if not cands:
                continue

            def args_of(c):
                return ("Get" + c[1] + "Args") if kind == "data" else (c[1] + "Args")

            def fit(c):
                # Prefer the class whose module is part of the name (s3.Bucket for
                # s3_bucket), then the one whose arguments match the schema's best
                # (ec2.Instance, not lightsail.Instance, for aws_instance).
                props = by_file[(c[0], c[2])].get((None, args_of(c)), {})
                names = list(body["a"]) + list(body["b"])
                hits = sum(1 for n in names if pulumi_names(n) & props.keys())
                return (key.startswith(snake(c[0]) + "_"), hits)

            module, cls, f = max(cands, key=fit)
            args = args_of((module, cls, f))
            walk(kind, tf_type, "", body, module, by_file[(module, f)].get((None, args), {}),
                 cls if kind == "resource" else "Get" + cls)
    return out


def main():
    pkg, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(pkg, "package", ".jsii"), encoding="utf-8") as fh:
        jsii = json.load(fh)
    types = jsii["types"]
    js_block_names, js_attr_names = js_blocks(os.path.join(pkg, "package", "lib"))

    def block(fqn, depth=0):
        t = types[fqn]
        res = {"a": {}, "b": {}}
        if depth > 12:
            return res
        for p in t.get("properties", []):
            text = doc_text(p.get("docs"))
            m = LINK.search(text)
            tf_name = m.group(4) if m and m.group(4) else snake(p["name"])
            s = struct_fqn(p["type"])
            is_block = s is not None and (
                " block." in text or text.strip().endswith(" block") or
                (tf_name in js_block_names and tf_name not in js_attr_names))
            required = not p.get("optional", False)
            if is_block:
                res["b"][tf_name] = {
                    "min": 1 if required else 0,
                    "max": 0 if s[1] else 1,
                    "s": block(s[0], depth + 1),
                }
            else:
                res["a"][tf_name] = 1 if required else 0
        return res

    schema = {"resource": {}, "data": {}}
    for fqn, t in sorted(types.items()):
        if t.get("kind") != "class" or t.get("base") not in (
                "cdktf.TerraformResource", "cdktf.TerraformDataSource", "cdktf.TerraformProvider"):
            continue
        m = LINK.search(doc_text(t.get("docs")))
        if not m:
            continue
        params = (t.get("initializer") or {}).get("parameters", [])
        config = [p for p in params if p["name"] == "config"]
        if not config or "fqn" not in config[0]["type"]:
            continue
        body = block(config[0]["type"]["fqn"])
        source, version, kind, _, name = m.groups()
        if t["base"] == "cdktf.TerraformProvider":
            schema["provider"] = source
            schema["version"] = version
            schema["provider_config"] = body
        elif kind == "data-sources":
            schema["data"][name.strip()] = body
        else:
            schema["resource"][name.strip()] = body
    schema["package"] = jsii["name"] + "@" + jsii["version"]
    schema["deprecated"] = {}
    if len(sys.argv) > 3:
        prefix = schema["provider"].split("/")[1] + "_"
        schema["deprecated"] = deprecations(schema, sys.argv[3], prefix)
        with open(os.path.join(sys.argv[3], "package", "package.json"), encoding="utf-8") as fh:
            p = json.load(fh)
        schema["deprecations_from"] = p["name"] + "@" + p["version"]
    if not schema["resource"] or "provider_config" not in schema:
        sys.exit(f"{pkg}: no resources or no provider found in the jsii assembly")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(schema, fh, sort_keys=True, separators=(",", ":"))
        fh.write("\n")
    os.replace(tmp, out)
    print(f"{out}: {schema['provider']} {schema['version']}: "
          f"{len(schema['resource'])} resources, {len(schema['data'])} data sources, "
          f"{len(schema['deprecated'])} deprecated arguments")


if __name__ == "__main__":
    main()
