// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// vsvm-as: assembles a vsvm ISA v1 program (docs/isa.rst) into a binary or a C header.

#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli.h"
#include "program_io.h"
#include "vsvm/isa.h"

int main(int argc, char** argv)
{
    CLI::App app{"Assemble a vsvm ISA v1 program (syntax: docs/isa.rst) into its 64-bit words:\n"
                 "a raw little-endian binary, or with --c-array a C header to embed in tests."};
    app.set_version_flag("--version", "vsvm-as " VSVM_VERSION);
    app.footer("Errors are printed as FILE:LINE:COL: error: MESSAGE, all of them.\n"
               "Exit status: 0 on success; 1 when the source has errors or a file cannot be\n"
               "read or written (nothing is written then); 2 for bad options.\n");

    std::string input;
    std::string output;
    std::string arrayName;
    app.add_option("input", input, "Source file ('-' for stdin)")->required()->type_name("FILE.vsa");
    app.add_option("-o,--output", output, "Output file ('-' for stdout)")->required()->type_name("FILE");
    app.add_option("--c-array", arrayName,
                   "Write a C header: static const uint64_t NAME[] (the words) and\n"
                   "static const uint32_t NAME_entry (the .entry byte offset)")
        ->type_name("NAME");
    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;

    auto source = vsvm::tools::readFile(input);
    if (!source) {
        fmt::print(stderr, "vsvm-as: {}\n", source.status().message());
        return 1;
    }
    std::string sourceName = input == "-" ? "<stdin>" : input;
    vsvm::isa::Assembly assembly = vsvm::isa::assemble(*source);
    for (const vsvm::isa::Diagnostic& diagnostic : assembly.diagnostics)
        fmt::print(stderr, "{}\n", vsvm::isa::formatDiagnostic(sourceName, diagnostic));
    if (!assembly.ok())
        return 1;

    std::string contents;
    if (arrayName.empty()) {
        contents = vsvm::tools::wordsToBytes(assembly.program.words);
    } else {
        auto header = vsvm::tools::formatCArray(arrayName, assembly.program, sourceName);
        if (!header) {
            fmt::print(stderr, "vsvm-as: --c-array: {}\n", header.status().message());
            return 1;
        }
        contents = std::move(*header);
    }
    if (vsvm::Status written = vsvm::tools::writeFile(output, contents); !written.ok()) {
        fmt::print(stderr, "vsvm-as: {}\n", written.message());
        return 1;
    }
    return 0;
}
