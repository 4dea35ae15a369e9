// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// vsvm-cc: compiles a compute kernel (OpenCL C, GLSL or SPIR-V) to a vsvm
// ISA program (vsvm/cc.h), written as vsvm-as writes it.

#include <cstring>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli.h"
#include "program_io.h"
#include "vsvm/cc.h"
#include "vsvm/isa.h"
#if VSVM_CC_HAVE_FRONTEND
#include "vsvm/frontend.h"
#endif

namespace {

// A SPIR-V binary as it is (a file or '-', stdin).
vsvm::Result<std::vector<std::uint32_t>> readSpirv(const std::string& path)
{
    auto bytes = vsvm::tools::readFile(path);
    if (!bytes)
        return bytes.status();
    if (bytes->size() % 4 != 0 || bytes->empty())
        return vsvm::Status::error(EINVAL, fmt::format("{}: {} bytes is not a whole number of 32-bit SPIR-V words",
                                                       path, bytes->size()));
    std::vector<std::uint32_t> words(bytes->size() / 4);
    std::memcpy(words.data(), bytes->data(), bytes->size());
    return words;
}

#if VSVM_CC_HAVE_FRONTEND
// .cl and .comp through the front end (clang-14 + llvm-spirv-14 with
// libclc, glslang); .spv and stdin as they are.
vsvm::Result<std::vector<std::uint32_t>> sourceToSpirv(const std::string& path, const std::string& clStd,
                                                       int optLevel, std::string* warnings)
{
    if (path == "-")
        return readSpirv(path);
    vsvm::frontend::FileOptions options;
    options.opencl.clStd = clStd;
    options.opencl.optLevel = optLevel;
    auto module = vsvm::frontend::compileFile(path, options);
    if (!module)
        return module.status();
    *warnings = module->warnings;
    return std::move(module->words);
}
#else
vsvm::Result<std::vector<std::uint32_t>> sourceToSpirv(const std::string& path, const std::string&, int,
                                                       std::string*)
{
    bool spv = path == "-" || (path.size() > 4 && path.compare(path.size() - 4, 4, ".spv") == 0);
    if (!spv)
        return vsvm::Status::error(EINVAL, fmt::format("{}: this vsvm-cc was built without the front end "
                                                       "(vsvm_frontend): it reads SPIR-V (.spv) only",
                                                       path));
    return readSpirv(path);
}
#endif

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Compile a compute kernel to a vsvm ISA program: OpenCL C (.cl, through clang-14 and\n"
                 "llvm-spirv-14 with libclc), a GLSL compute shader (.comp, through glslang) or SPIR-V (.spv).\n"
                 "Writes a raw binary of its 64-bit words (as vsvm-as writes), assembler text, or a C header."};
    app.set_version_flag("--version", "vsvm-cc " VSVM_VERSION);
    app.footer("Errors are printed as FILE:LINE:COL: error: MESSAGE (the location from OpLine when\n"
               "the module has it). Exit status: 0 on success; 1 when the module does not compile or a\n"
               "file cannot be read or written; 2 for bad options.\n");

    std::string input, output = "-", arrayName, entry;
    bool emitAsm = false, emitIr = false;
    int optLevel = 2;
    std::string clStd = "CL1.2";
    app.add_option("input", input, "Source (.cl, .comp) or SPIR-V module (.spv, '-' for stdin)")
        ->required()
        ->type_name("FILE");
    app.add_option("--cl-std", clStd, "OpenCL C version of a .cl source")
        ->check(CLI::IsMember({"CL1.2", "CL3.0"}));
    app.add_option("-o,--output", output, "Output file ('-' for stdout, the default)")->type_name("FILE");
    app.add_flag("--emit-asm", emitAsm, "Write the generated assembler text instead of the binary");
    app.add_flag("--emit-ir", emitIr, "Write the back end's IR (virtual registers) instead of the binary");
    app.add_option("--emit-c", arrayName, "Write a C header: static const uint64_t NAME[] and NAME_entry")
        ->type_name("NAME");
    app.add_option("-O", optLevel, "-O0: only the optimisations lowering needs (inlining, SSA), and clang -O0 for "
                                   "OpenCL C; -O2: optimise (the default)")
        ->check(CLI::IsMember({0, 1, 2, 3}))
        ->type_name("LEVEL");
    app.add_option("--entry", entry, "The entry point to compile (default: the module's only one)")
        ->type_name("NAME");
    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;
    if (int(emitAsm) + int(emitIr) + int(!arrayName.empty()) > 1) {
        fmt::print(stderr, "vsvm-cc: --emit-asm, --emit-ir and --emit-c exclude each other\n");
        return 2;
    }

    std::string warnings;
    auto words = sourceToSpirv(input, clStd, optLevel, &warnings);
    if (!warnings.empty())
        fmt::print(stderr, "{}\n", warnings);
    if (!words) {
        fmt::print(stderr, "vsvm-cc: {}\n", words.status().message());
        return 1;
    }
    vsvm::cc::Options options;
    options.optLevel = optLevel;
    options.entryPoint = entry;
    options.emitIr = emitIr;
    std::vector<vsvm::cc::Diagnostic> diagnostics;
    auto kernel = vsvm::cc::compile(*words, options, &diagnostics);
    std::string sourceName = input == "-" ? "<stdin>" : input;
    for (vsvm::cc::Diagnostic d : diagnostics) {
        if (d.file.empty() && d.line == 0)
            fmt::print(stderr, "{}: {}\n", sourceName, vsvm::cc::formatDiagnostic(d));
        else
            fmt::print(stderr, "{}\n", vsvm::cc::formatDiagnostic(d));
    }
    if (!kernel)
        return 1;

    std::string contents;
    if (emitAsm) {
        contents = kernel->assembly;
    } else if (emitIr) {
        contents = kernel->ir;
    } else if (!arrayName.empty()) {
        auto header = vsvm::tools::formatCArray(arrayName, kernel->program, sourceName);
        if (!header) {
            fmt::print(stderr, "vsvm-cc: --emit-c: {}\n", header.status().message());
            return 1;
        }
        contents = std::move(*header);
    } else {
        contents = vsvm::tools::wordsToBytes(kernel->program.words);
    }
    if (vsvm::Status written = vsvm::tools::writeFile(output, contents); !written.ok()) {
        fmt::print(stderr, "vsvm-cc: {}\n", written.message());
        return 1;
    }
    return 0;
}
