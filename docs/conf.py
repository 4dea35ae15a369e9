# SPDX-License-Identifier: MIT
#
# Sphinx configuration of vsvm's documentation: `make docs` builds it into
# build/docs/html, and `make test` builds it with warnings as errors
# (sphinx-build -W --keep-going). Needs python3-sphinx only: no extension
# beyond Sphinx's own, nothing fetched from the network.

import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives

project = "vsvm"
copyright = "2026, the vsvm authors"
root_doc = "index"
language = "en"
# The page sources in the repository are the reference; no copies in the HTML.
html_copy_source = False
html_show_sourcelink = False

# docs/benchmarks-latest.md is written by `make bench` and read on the forge
# (README.md links it, benchmarks.rst names it); it is not a Sphinx source
# (that would need myst-parser), so it is left out of the build on purpose;
# so is docs/piglit-cl.md, the table that `make conformance` writes.
exclude_patterns = ["benchmarks-latest.md", "piglit-cl.md"]

# `.. kernel-doc::` (driver.rst, uapi.rst) is the kernel's own extension
# (Documentation/sphinx/kerneldoc.py running scripts/kernel-doc): it exists
# only inside a kernel tree, where the kernel's conf.py builds these pages
# and renders the kernel-doc comments of driver/ and uapi/. Outside one this
# stand-in keeps every directive and shows what it refers to: a `:doc:`
# section is shown as the comment's text, verbatim (its kernel-doc markup,
# &struct, @member, %CONST, is what scripts/kernel-doc would translate), and
# the other forms (the functions and types of a file) become a reference to
# the source file. A missing file or DOC section is a warning, as it is for
# kernel-doc, so a stale directive fails the -W build here too.
repo_root = Path(__file__).resolve().parent.parent


class KernelDocFallback(Directive):
    required_arguments = 1
    option_spec = {
        "doc": directives.unchanged_required,
        "internal": directives.unchanged,
        "export": directives.unchanged,
        "identifiers": directives.unchanged,
        "no-identifiers": directives.unchanged,
        "functions": directives.unchanged,
    }

    def run(self):
        path = self.arguments[0]
        source = repo_root / path
        if not source.is_file():
            return [self.state_machine.reporter.warning(
                f"kernel-doc: no file {path}", line=self.lineno)]
        # An edit of the source rebuilds the page in an incremental build.
        self.state.document.settings.env.note_dependency(str(source))
        title = self.options.get("doc")
        if title is None:
            para = nodes.paragraph()
            para += nodes.Text("The kernel-doc of the functions and types in ")
            para += nodes.literal(text=path)
            para += nodes.Text(" (rendered when these pages are built in a kernel tree).")
            return [para]
        text = self.doc_section(source.read_text(), title)
        if text is None:
            return [self.state_machine.reporter.warning(
                f"kernel-doc: no 'DOC: {title}' in {path}", line=self.lineno)]
        caption = nodes.paragraph()
        caption += nodes.literal(text=path)
        caption += nodes.Text(f", DOC: {title}:")
        return [caption, nodes.literal_block(text, text)]

    @staticmethod
    def doc_section(code, title):
        """The body of the /** DOC: title ... */ comment, without the ' * '."""
        match = re.search(r"/\*\*\s*\n\s*\* DOC:\s*" + re.escape(title) +
                          r"\s*\n(.*?)\*/", code, re.S)
        if match is None:
            return None
        lines = [re.sub(r"^\s*\* ?", "", line)
                 for line in match.group(1).splitlines()]
        return "\n".join(line.rstrip() for line in lines).strip("\n")


def setup(app):
    app.add_directive("kernel-doc", KernelDocFallback)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
