// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/cc.h"
#include "vsvm/frontend.h"
#include "vsvm/kernel.h"

/**
 * A Kernel from OpenCL C, GLSL or SPIR-V in one call: the front end
 * (vsvm/frontend.h) to SPIR-V, the back end (vsvm/cc.h) to the vsvm ISA,
 * and Kernel::fromProgram(). Header-only; link vsvm_frontend, vsvm_cc and
 * libvsvm (CMake: vsvm::vsvm).
 *
 * The Kernel carries the compiled signature, so launches are checked
 * against the source's parameters (count and type: a double passed for a
 * float is an error). A kernel that needs a private stack
 * (CompiledKernel::privateBytesPerLane, for spilled or indexed private
 * arrays) takes it as one more pointer argument after its own: a buffer of
 * privateBytesPerLane bytes per lane of the whole launch, aligned to
 * CompiledKernel::privateAlign.
 *
 * Errors are status values: EINVAL with the front end's or the back end's
 * diagnostics ("file:line:col: error: ...") in the message.
 */
namespace vsvm::compile {

enum class Language { OpenclC, Glsl, Spirv };

struct Options {
    frontend::OpenclOptions opencl;
    frontend::GlslOptions glsl;
    cc::Options cc;
};

/// SPIR-V @p words to the vsvm ISA: EINVAL with every diagnostic.
inline Result<cc::CompiledKernel> compileSpirv(std::span<const std::uint32_t> words, const Options& options = {})
{
    std::vector<cc::Diagnostic> diagnostics;
    Result<cc::CompiledKernel> compiled = cc::compile(words, options.cc, &diagnostics);
    if (!compiled) {
        std::string message;
        for (const cc::Diagnostic& d : diagnostics)
            message += (message.empty() ? "" : "\n") + cc::formatDiagnostic(d);
        return Status::error(compiled.status().errnum(), message.empty() ? compiled.status().message() : message);
    }
    return compiled;
}

/// @p source (SPIR-V: its bytes, a multiple of 4) compiled to the vsvm ISA.
inline Result<cc::CompiledKernel> compileSource(std::string_view source, Language language,
                                                const Options& options = {})
{
    if (language == Language::Spirv) {
        if (source.empty() || source.size() % 4 != 0)
            return Status::error(EINVAL, "SPIR-V: not a whole number of 32-bit words");
        std::vector<std::uint32_t> words(source.size() / 4);
        std::copy_n(source.data(), source.size(), reinterpret_cast<char*>(words.data()));
        return compileSpirv(words, options);
    }
    Result<frontend::Module> module = language == Language::OpenclC
                                          ? frontend::openclToSpirv(source, options.opencl)
                                          : frontend::glslToSpirv(source, frontend::GlslStage::Compute,
                                                                  options.glsl);
    if (!module)
        return module.status();
    return compileSpirv(module->words, options);
}

/// The file @p path (.cl, .comp or .spv: frontend::compileFile()) compiled
/// to the vsvm ISA.
inline Result<cc::CompiledKernel> compileFile(const std::string& path, const Options& options = {})
{
    Result<frontend::Module> module = frontend::compileFile(path, {options.opencl, options.glsl});
    if (!module)
        return module.status();
    return compileSpirv(module->words, options);
}

/// A Kernel from @p source; @p compiled (when given) gets what the back end
/// says about it (local size, LDS, private stack).
inline Result<Kernel> kernelFromSource(std::string_view source, Language language, const Options& options = {},
                                       cc::CompiledKernel* compiled = nullptr)
{
    Result<cc::CompiledKernel> made = compileSource(source, language, options);
    if (!made)
        return made.status();
    Result<Kernel> kernel = Kernel::fromProgram(made->program);
    if (kernel && compiled)
        *compiled = std::move(*made);
    return kernel;
}

} // namespace vsvm::compile
