#!/usr/bin/env python3
"""No import circles between files: within each crate of the workspace, the files (modules) that
name each other through `use` or `crate::`/`super::`/`self::` paths must form no cycle.

A file depends on another when it names an item of it (re-exports are followed to the file that
defines the item); declaring a module (`mod x;`) is not a dependency. Test modules count. Every
target of a package is a crate of its own: `src/lib.rs`, `src/main.rs`, `src/bin/*.rs` and each
test root under `tests/` (with the modules it declares).

Usage: scripts/check-import-cycles.py [DIR...]   (default: crates tests)
Exit status 1 when a circle is found; each is printed with its files.
"""

import os
import re
import sys

KEYWORDS = ("crate", "super", "self")


def lex(src):
    """Identifiers, `::` and punctuation; strings, chars, lifetimes and comments dropped."""
    i, n, out = 0, len(src), []
    while i < n:
        c = src[i]
        if c in " \t\r\n":
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif re.match(r'b?r#*"', src[i : i + 10]):
            m = re.match(r'b?r(#*)"', src[i:])
            close = '"' + m.group(1)
            j = src.find(close, i + m.end())
            i = n if j < 0 else j + len(close)
        elif c == '"' or src.startswith('b"', i):
            i += 2 if c == "b" else 1
            while i < n and src[i] != '"':
                i += 2 if src[i] == "\\" else 1
            i += 1
        elif c == "'":
            if src.startswith("'\\", i):
                j = i + 2
                while j < n and src[j] != "'":
                    j += 1
                i = j + 1
            elif i + 2 < n and src[i + 2] == "'":
                i += 3
            else:
                i += 1  # a lifetime
        elif c.isalnum() or c == "_":
            m = re.match(r"\w+", src[i:])
            out.append(m.group(0))
            i += m.end()
        elif src.startswith("::", i):
            out.append("::")
            i += 2
        else:
            out.append(c)
            i += 1
    return out


def use_tree(toks, k, prefix):
    """Expands the use tree at toks[k]: ([(path, alias)], index after it)."""
    paths, path = [], list(prefix)
    while k < len(toks):
        t = toks[k]
        if t == "{":
            k += 1
            while toks[k] != "}":
                sub, k = use_tree(toks, k, path)
                paths += sub
                if toks[k] == ",":
                    k += 1
            return paths, k + 1
        if t == "*":
            return paths + [(path, None)], k + 1
        if t == "::":
            k += 1
            continue
        if t in (",", "}", ";"):
            return paths + [(path, path[-1] if path else None)], k
        if t == "as":
            return paths + [(path, toks[k + 1])], k + 2
        path.append(t)
        k += 1
    return paths, k


class File:
    def __init__(self, path, module, owns_dir):
        self.path, self.module = path, module
        self.toks = lex(open(path, encoding="utf-8").read())
        # The directory of its child modules: its own for lib.rs/main.rs/mod.rs and crate roots.
        base = os.path.dirname(path)
        stem = os.path.splitext(os.path.basename(path))[0]
        self.child_dir = base if owns_dir else os.path.join(base, stem)
        t = self.toks
        self.children = [
            t[i + 1] for i in range(len(t) - 2) if t[i] == "mod" and t[i + 2] == ";"
        ]
        self.reexports = {}  # name -> absolute path, for `pub use`


def crate(root):
    """The files of the crate rooted at `root`, by module path."""
    files = {(): File(root, (), True)}
    todo = [()]
    while todo:
        f = files[todo.pop()]
        for name in f.children:
            for cand, owns in (
                (os.path.join(f.child_dir, name + ".rs"), False),
                (os.path.join(f.child_dir, name, "mod.rs"), True),
            ):
                if os.path.isfile(cand):
                    m = f.module + (name,)
                    files[m] = File(cand, m, owns)
                    todo.append(m)
                    break
    return files


def references(f, files):
    """The absolute paths a file names, with inline modules (`mod tests { ... }`) tracked."""
    toks, found = f.toks, []
    stack, depth, k = [(f.module, 0)], 0, 0

    def absolute(path, cur):
        first = path[0]
        if first == "crate":
            return tuple(path[1:])
        if first in ("self", "super"):
            base, i = list(cur), 0
            while i < len(path) and path[i] in ("self", "super"):
                if path[i] == "super":
                    base = base[:-1]
                i += 1
            return tuple(base + path[i:])
        if cur == f.module and first in f.children:
            return tuple(list(cur) + path)
        return None

    while k < len(toks):
        t, cur = toks[k], stack[-1][0]
        prev = toks[k - 1] if k else ""
        if t == "{":
            depth += 1
        elif t == "}":
            depth -= 1
            if len(stack) > 1 and depth < stack[-1][1]:
                stack.pop()
        elif t == "mod" and k + 2 < len(toks) and toks[k + 2] == "{":
            stack.append((cur + (toks[k + 1],), depth + 1))
        elif t == "use" and prev not in ("::", "$"):
            public = prev == "pub" or (prev == ")" and "pub" in toks[max(0, k - 4) : k])
            trees, k = use_tree(toks, k + 1, [])
            for path, alias in trees:
                target = absolute(path, cur) if path else None
                if target is None:
                    continue
                found.append(target)
                if public and alias and cur == f.module:
                    f.reexports[alias] = target
            continue
        elif t in KEYWORDS and prev not in ("::", "$") and k + 1 < len(toks) and toks[k + 1] == "::":
            path, j = [t], k + 1
            while j + 1 < len(toks) and toks[j] == "::" and re.match(r"\w+$", toks[j + 1]):
                path.append(toks[j + 1])
                j += 2
            target = absolute(path, cur)
            if target is not None:
                found.append(target)
            k = j
            continue
        k += 1
    return found


def owner(path, files, hops=0):
    """The file that defines what `path` names, following re-exports."""
    for n in range(len(path), -1, -1):
        if path[:n] in files:
            f, rest = files[path[:n]], path[n:]
            if rest and rest[0] in f.reexports and hops < 16:
                return owner(f.reexports[rest[0]] + rest[1:], files, hops + 1)
            return path[:n]
    return ()


def cycles(graph):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def roots(package):
    """The crate roots of a package directory, test roots last."""
    out = []
    for rel in ("src/lib.rs", "src/main.rs"):
        if os.path.isfile(os.path.join(package, rel)):
            out.append(os.path.join(package, rel))
    for sub in ("src/bin", "tests"):
        d = os.path.join(package, sub)
        if os.path.isdir(d):
            names = sorted(os.listdir(d), key=lambda n: n != "main.rs")
            out += [os.path.join(d, n) for n in names if n.endswith(".rs")]
    return out


def packages(dirs):
    for top in dirs:
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if d not in ("target", "node_modules", ".venv")]
            if "Cargo.toml" in filenames:
                yield dirpath


def main(argv):
    found = 0
    for package in sorted(set(packages(argv or ["crates", "tests"]))):
        seen = set()
        for root in roots(package):
            if os.path.abspath(root) in seen:
                continue
            files = crate(root)
            seen.update(os.path.abspath(f.path) for f in files.values())
            for f in files.values():
                references(f, files)  # collects re-exports first
            graph = {
                m: {owner(r, files) for r in references(f, files)} - {m}
                for m, f in files.items()
            }
            for comp in cycles(graph):
                found += 1
                names = sorted(os.path.relpath(files[m].path) for m in comp)
                print("import circle: " + " <-> ".join(names))
    if found:
        return 1
    print("check-import-cycles: no import circle between files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
