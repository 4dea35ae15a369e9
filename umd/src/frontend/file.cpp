// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "frontend/subprocess.h"
#include "vsvm/frontend.h"

namespace vsvm::frontend {

namespace {

constexpr std::uint32_t kSpirvMagic = 0x07230203;

} // namespace

const char* sourceKindName(SourceKind kind)
{
    switch (kind) {
    case SourceKind::OpenCL: return "opencl";
    case SourceKind::Glsl: return "glsl";
    case SourceKind::Spirv: return "spirv";
    }
    return "?";
}

Result<SourceKind> sourceKindFromPath(std::string_view path)
{
    std::string extension = std::filesystem::path(path).extension().string();
    if (extension == ".cl")
        return SourceKind::OpenCL;
    if (extension == ".comp")
        return SourceKind::Glsl;
    if (extension == ".spv")
        return SourceKind::Spirv;
    return Status::error(EINVAL, fmt::format("{}: unknown kind of source (not .cl, .comp or .spv)", path));
}

Result<std::vector<std::uint32_t>> loadSpirv(const std::string& path)
{
    Result<std::string> data = detail::readFile(path);
    if (!data)
        return data.status();
    if (data->size() % 4 != 0 || data->size() < 20)
        return Status::error(EINVAL, fmt::format("{}: not SPIR-V ({} bytes, not a whole header and words)", path,
                                                 data->size()));
    std::vector<std::uint32_t> words(data->size() / 4);
    std::memcpy(words.data(), data->data(), data->size());
    if (words[0] == __builtin_bswap32(kSpirvMagic)) {
        // Written on a machine of the other byte order: SPIR-V allows both.
        for (std::uint32_t& word : words)
            word = __builtin_bswap32(word);
    }
    if (words[0] != kSpirvMagic)
        return Status::error(EINVAL, fmt::format("{}: not SPIR-V (magic number 0x{:08x})", path, words[0]));
    return words;
}

Result<Module> compileFile(const std::string& path, FileOptions options)
{
    Result<SourceKind> kind = sourceKindFromPath(path);
    if (!kind)
        return kind.status();
    if (*kind == SourceKind::Spirv) {
        Result<std::vector<std::uint32_t>> words = loadSpirv(path);
        if (!words)
            return words.status();
        return Module{std::move(*words), {}, {}};
    }
    Result<std::string> source = detail::readFile(path);
    if (!source)
        return source.status();
    if (*kind == SourceKind::Glsl) {
        options.glsl.sourceName = path;
        return glslToSpirv(*source, GlslStage::Compute, options.glsl);
    }
    options.opencl.sourceName = path;
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    options.opencl.includeDirs.push_back(dir.empty() ? "." : dir.string());
    return openclToSpirv(*source, options.opencl);
}

} // namespace vsvm::frontend
