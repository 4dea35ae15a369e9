// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// GLSL compute shaders to SPIR-V with the glslang library.

#include <cerrno>
#include <mutex>

#include <fmt/format.h>
#include <glslang/Public/ResourceLimits.h>
#include <glslang/Public/ShaderLang.h>
#include <glslang/SPIRV/GlslangToSpv.h>

#include "vsvm/frontend.h"

namespace vsvm::frontend {

namespace {

/// glslang has process-wide state (InitializeProcess, its symbol tables);
/// one compile at a time keeps it out of reach of concurrent callers.
std::mutex& glslangMutex()
{
    static std::mutex mutex;
    return mutex;
}

void initializeGlslang()
{
    static std::once_flag once;
    // Never finalized: other users of glslang in the process may still need it.
    std::call_once(once, [] { glslang::InitializeProcess(); });
}

std::string trimmed(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\0'))
        text.pop_back();
    return text;
}

} // namespace

Result<Module> glslToSpirv(std::string_view source, GlslStage stage, const GlslOptions& options)
{
    if (stage != GlslStage::Compute)
        return Status::error(EINVAL, "only compute shaders are supported");
    std::lock_guard lock(glslangMutex());
    initializeGlslang();

    constexpr int kGlslVersion = 450; // the default when the shader has no #version
    glslang::TShader shader(EShLangCompute);
    const char* text = source.data();
    const int length = static_cast<int>(source.size());
    const char* name = options.sourceName.c_str();
    shader.setStringsWithLengthsAndNames(&text, &length, &name, 1);
    shader.setEntryPoint(options.entryPoint.c_str());
    shader.setSourceEntryPoint(options.entryPoint.c_str());
    shader.setEnvInput(glslang::EShSourceGlsl, EShLangCompute, glslang::EShClientVulkan, 100);
    shader.setEnvClient(glslang::EShClientVulkan, glslang::EShTargetVulkan_1_2);
    shader.setEnvTarget(glslang::EShTargetSpv, glslang::EShTargetSpv_1_5);
    std::string preamble;
    for (const std::string& define : options.defines) {
        std::size_t equals = define.find('=');
        if (equals == std::string::npos)
            preamble += fmt::format("#define {} 1\n", define);
        else
            preamble += fmt::format("#define {} {}\n", define.substr(0, equals), define.substr(equals + 1));
    }
    shader.setPreamble(preamble.c_str());

    const auto messages = static_cast<EShMessages>(EShMsgSpvRules | EShMsgVulkanRules | EShMsgEnhanced);
    if (!shader.parse(GetDefaultResources(), kGlslVersion, false, messages)) {
        return Status::error(EINVAL, fmt::format("{}: GLSL compile failed:\n{}", options.sourceName,
                                                 trimmed(shader.getInfoLog())));
    }
    glslang::TProgram program;
    program.addShader(&shader);
    if (!program.link(messages)) {
        return Status::error(EINVAL, fmt::format("{}: GLSL link failed:\n{}", options.sourceName,
                                                 trimmed(program.getInfoLog())));
    }

    Module module;
    spv::SpvBuildLogger logger;
    glslang::SpvOptions spvOptions;
    spvOptions.validate = true;
    glslang::GlslangToSpv(*program.getIntermediate(EShLangCompute), module.words, &logger, &spvOptions);
    std::string spvMessages = trimmed(logger.getAllMessages());
    if (module.words.empty())
        return Status::error(EINVAL, fmt::format("{}: no SPIR-V generated: {}", options.sourceName, spvMessages));
    std::string warnings = trimmed(shader.getInfoLog());
    if (!spvMessages.empty())
        warnings += (warnings.empty() ? "" : "\n") + spvMessages;
    module.warnings = warnings;
    return module;
}

} // namespace vsvm::frontend
