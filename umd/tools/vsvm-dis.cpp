// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// vsvm-dis: prints a vsvm ISA v1 program binary as assembler text that vsvm-as
// turns back into the same words.

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli.h"
#include "program_io.h"
#include "vsvm/isa.h"

int main(int argc, char** argv)
{
    CLI::App app{"Disassemble a vsvm ISA v1 program binary (little-endian 64-bit words, as\n"
                 "vsvm-as writes them) into text that assembles back to the same words.\n"
                 "Branch targets get labels L_<hex byte offset>; words that are not valid\n"
                 "instructions are printed as .word 0x..."};
    app.set_version_flag("--version", "vsvm-dis " VSVM_VERSION);
    app.footer("A binary holds the words only: --entry and --signature give back what .entry\n"
               "and .args said.\n"
               "Exit status: 0 on success; 1 when the input cannot be read or is not a whole\n"
               "number of words; 2 for bad options (--entry not an instruction's offset too).\n");

    std::string input;
    std::string output = "-";
    std::optional<std::uint32_t> entry;
    bool showEncoding = false;
    std::optional<std::string> signatureText;
    app.add_option("input", input, "Program binary ('-' for stdin)")->required()->type_name("FILE.bin");
    app.add_option("-o,--output", output, "Output file (default: stdout)")->type_name("FILE");
    app.add_option("--entry", entry, "Emit .entry for this byte offset (decimal or 0x hex)")
        ->type_name("OFFSET");
    app.add_flag("-e,--encoding", showEncoding, "Annotate every line with its byte offset and word");
    app.add_option("--signature", signatureText,
                   "Emit .args with these parameters (\"ptr x, u32 n\"; none for no parameter)")
        ->type_name("ARGS");
    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;

    std::optional<vsvm::KernelSignature> signature;
    if (signatureText) {
        auto parsed = vsvm::isa::parseSignature(*signatureText == "none" ? "" : *signatureText);
        if (!parsed) {
            fmt::print(stderr, "vsvm-dis: --signature: {}\n", parsed.status().message());
            return vsvm::tools::kBadUsage;
        }
        signature = std::move(*parsed);
    }

    auto bytes = vsvm::tools::readFile(input);
    if (!bytes) {
        fmt::print(stderr, "vsvm-dis: {}\n", bytes.status().message());
        return 1;
    }
    auto words = vsvm::tools::bytesToWords(*bytes);
    if (!words) {
        fmt::print(stderr, "vsvm-dis: {}: {}\n", input, words.status().message());
        return 1;
    }
    auto text = vsvm::isa::disassemble(*words, {.entry = entry, .showEncoding = showEncoding, .signature = signature});
    if (!text) {
        fmt::print(stderr, "vsvm-dis: --entry: {}\n", text.status().message());
        return vsvm::tools::kBadUsage;
    }
    if (vsvm::Status written = vsvm::tools::writeFile(output, *text); !written.ok()) {
        fmt::print(stderr, "vsvm-dis: {}\n", written.message());
        return 1;
    }
    return 0;
}
