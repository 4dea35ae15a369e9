// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// compile(): validate, optimise (SPIRV-Tools), read, lower, assemble.

#include <cerrno>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spirv-tools/libspirv.hpp>
#include <spirv-tools/optimizer.hpp>

#include "cc/lower.h"
#include "cc/module.h"
#include "vsvm/cc.h"

namespace vsvm::cc {

std::string formatDiagnostic(const Diagnostic& d)
{
    if (d.file.empty() && d.line == 0)
        return fmt::format("error: {}", d.message);
    return fmt::format("{}:{}:{}: error: {}", d.file.empty() ? "<spirv>" : d.file, d.line, d.column, d.message);
}

namespace {

// SPIR-V 1.5 universal: accepts the 1.4 modules of llvm-spirv-14 (whose
// entry points the front end completes: completeInterfaces()) and the 1.5
// ones of glslang for Vulkan 1.2.
constexpr spv_target_env kEnv = SPV_ENV_UNIVERSAL_1_5;

Status failWith(std::vector<Diagnostic>& diagnostics, std::vector<Diagnostic>* out)
{
    std::string first = diagnostics.empty() ? "compile failed" : formatDiagnostic(diagnostics.front());
    if (out)
        out->insert(out->end(), diagnostics.begin(), diagnostics.end());
    return Status::error(EINVAL, first);
}

void addPasses(spvtools::Optimizer& optimizer, int optLevel)
{
    // What lowering needs at every level: no calls, values in SSA form.
    optimizer.RegisterPass(spvtools::CreateInlineExhaustivePass());
    optimizer.RegisterPass(spvtools::CreateEliminateDeadFunctionsPass());
    optimizer.RegisterPass(spvtools::CreateLocalSingleStoreElimPass());
    optimizer.RegisterPass(spvtools::CreateSSARewritePass());
    if (optLevel <= 0)
        return;
    optimizer.RegisterPass(spvtools::CreateScalarReplacementPass());
    optimizer.RegisterPass(spvtools::CreateLocalSingleBlockLoadStoreElimPass());
    optimizer.RegisterPass(spvtools::CreateLocalSingleStoreElimPass());
    optimizer.RegisterPass(spvtools::CreateSSARewritePass());
    optimizer.RegisterPass(spvtools::CreateCCPPass());
    optimizer.RegisterPass(spvtools::CreateSimplificationPass());
    optimizer.RegisterPass(spvtools::CreateAggressiveDCEPass());
    optimizer.RegisterPass(spvtools::CreateDeadBranchElimPass());
    optimizer.RegisterPass(spvtools::CreateBlockMergePass());
    optimizer.RegisterPass(spvtools::CreateCFGCleanupPass());
    optimizer.RegisterPass(spvtools::CreateRedundancyEliminationPass());
    optimizer.RegisterPass(spvtools::CreateSimplificationPass());
    optimizer.RegisterPass(spvtools::CreateAggressiveDCEPass());
    optimizer.RegisterPass(spvtools::CreateBlockMergePass());
}

} // namespace

Result<CompiledKernel> compile(std::span<const std::uint32_t> spirv, const Options& options,
                               std::vector<Diagnostic>* diagnostics)
{
    std::vector<Diagnostic> diags;
    auto consumer = [&diags](spv_message_level_t level, const char*, const spv_position_t& position,
                             const char* message) {
        if (level > SPV_MSG_ERROR)
            return;
        diags.push_back({"", 0, 0, fmt::format("SPIR-V (word {}): {}", position.index, message)});
    };

    spvtools::SpirvTools tools(kEnv);
    tools.SetMessageConsumer(consumer);
    if (!tools.Validate(spirv.data(), spirv.size())) {
        if (diags.empty())
            diags.push_back({"", 0, 0, "invalid SPIR-V module"});
        diags.front().message = "invalid SPIR-V: " + diags.front().message;
        return failWith(diags, diagnostics);
    }

    // The entry point decides nothing in the optimiser, but an unknown name
    // should be reported before the work.
    detail::Module original;
    if (auto error = detail::readModule(spirv, original)) {
        diags.push_back({"", 0, 0, *error});
        return failWith(diags, diagnostics);
    }

    // clang -O0 marks every function noinline, which llvm-spirv writes as
    // DontInline; lowering needs one function, so the hint is dropped.
    std::vector<std::uint32_t> input(spirv.begin(), spirv.end());
    for (std::size_t at = 5; at < input.size() && (input[at] >> 16) != 0; at += input[at] >> 16) {
        if ((input[at] & 0xffff) == static_cast<std::uint32_t>(spv::Op::OpFunction) && (input[at] >> 16) >= 5)
            input[at + 3] &= ~static_cast<std::uint32_t>(spv::FunctionControlMask::DontInline);
    }

    spvtools::Optimizer optimizer(kEnv);
    optimizer.SetMessageConsumer(consumer);
    addPasses(optimizer, options.optLevel);
    std::vector<std::uint32_t> optimized;
    spvtools::ValidatorOptions validatorOptions;
    spvtools::OptimizerOptions optimizerOptions;
    optimizerOptions.set_run_validator(false);
    if (!optimizer.Run(input.data(), input.size(), &optimized, optimizerOptions)) {
        if (diags.empty())
            diags.push_back({"", 0, 0, "the SPIR-V optimiser failed"});
        return failWith(diags, diagnostics);
    }

    detail::Module module;
    if (auto error = detail::readModule(optimized, module)) {
        diags.push_back({"", 0, 0, *error});
        return failWith(diags, diagnostics);
    }

    const detail::Module::EntryPoint* entry = nullptr;
    std::string names;
    for (const auto& e : module.entryPoints) {
        if (e.model != spv::ExecutionModel::GLCompute && e.model != spv::ExecutionModel::Kernel)
            continue;
        names += (names.empty() ? "" : ", ") + e.name;
        if (options.entryPoint.empty() ? !entry : e.name == options.entryPoint) {
            if (options.entryPoint.empty() && entry) {
                entry = nullptr;
                break;
            }
            entry = &e;
        }
    }
    if (options.entryPoint.empty()) {
        int count = 0;
        for (const auto& e : module.entryPoints)
            count += e.model == spv::ExecutionModel::GLCompute || e.model == spv::ExecutionModel::Kernel;
        if (count != 1) {
            diags.push_back({"", 0, 0,
                             count == 0 ? std::string("the module has no compute or kernel entry point")
                                        : fmt::format("the module has {} entry points ({}): choose one", count, names)});
            return failWith(diags, diagnostics);
        }
    }
    if (!entry) {
        diags.push_back({"", 0, 0,
                         fmt::format("no compute or kernel entry point '{}' (the module has: {})", options.entryPoint,
                                     names.empty() ? "none" : names)});
        return failWith(diags, diagnostics);
    }

    detail::Lowered lowered;
    if (!detail::lower(module, *entry, options.emitIr, options.launchBlock, diags, lowered))
        return failWith(diags, diagnostics);

    isa::Assembly assembly = isa::assemble(lowered.assembly);
    if (!assembly.ok()) {
        // The back end wrote something the assembler refuses: a compiler bug,
        // reported with the offending line rather than hidden.
        for (const isa::Diagnostic& d : assembly.diagnostics)
            diags.push_back({"<generated>", d.line, d.column, "internal compiler error: " + d.message});
        return failWith(diags, diagnostics);
    }

    CompiledKernel kernel;
    kernel.program = std::move(assembly.program);
    kernel.program.signature = lowered.signature;
    kernel.name = lowered.name;
    kernel.localSize = lowered.localSize;
    kernel.ldsBytes = lowered.ldsBytes;
    kernel.privateBytesPerLane = lowered.privateBytesPerLane;
    kernel.privateAlign = lowered.privateAlign;
    kernel.kernelParams = std::move(lowered.kernelParams);
    kernel.launchSlot = lowered.launchSlot;
    kernel.constants = std::move(lowered.constants);
    kernel.printfFormats = std::move(lowered.printfFormats);
    kernel.launchSignature = std::move(lowered.launchSignature);
    kernel.assembly = std::move(lowered.assembly);
    kernel.ir = std::move(lowered.ir);
    if (diagnostics)
        diagnostics->insert(diagnostics->end(), diags.begin(), diags.end());
    return kernel;
}

} // namespace vsvm::cc
