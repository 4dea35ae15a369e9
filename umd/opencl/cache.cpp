// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The OpenCL C program cache (cache.h). An entry is one file named by the
// FNV-1a hash of its key; the file holds the whole key, so that two keys of
// one hash never share an entry, then the warnings, the kernels' argument
// information and the SPIR-V words.

#include "cache.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "icd.h"

namespace vsvm::opencl {
namespace {

std::uint64_t fnv1a(const std::string& bytes)
{
    std::uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 0x100000001b3ull;
    }
    return hash;
}

// This library's file, by size and modification time: a rebuilt compiler
// never reads what an older one wrote.
std::string libraryIdentity()
{
    Dl_info info{};
    struct stat st{};
    if (!dladdr(reinterpret_cast<void*>(&libraryIdentity), &info) || !info.dli_fname ||
        stat(info.dli_fname, &st) != 0)
        return {};
    return fmt::format("{}:{}:{}.{}", info.dli_fname, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

// The kernels' argument information as lines of fields separated by 0x1f:
// kernel, address space, access, type name, type qualifier, name.
constexpr char kField = '\x1f';

std::string encodeArgs(const std::map<std::string, std::vector<frontend::KernelArgInfo>>& kernels)
{
    std::string out;
    for (const auto& [kernel, args] : kernels) {
        out += kernel + '\n';
        for (const frontend::KernelArgInfo& a : args)
            out += fmt::format("{}{}{}{}{}{}{}{}{}{}\n", kField, a.addressSpace, kField, a.access, kField, a.typeName,
                               kField, a.typeQualifier, kField, a.name);
    }
    return out;
}

bool decodeArgs(const std::string& text, std::map<std::string, std::vector<frontend::KernelArgInfo>>& kernels)
{
    std::vector<frontend::KernelArgInfo>* current = nullptr;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos)
            return false;
        std::string line = text.substr(at, end - at);
        at = end + 1;
        if (line.empty() || line[0] != kField) {
            current = &kernels[line];
            continue;
        }
        if (!current)
            return false;
        std::vector<std::string> f;
        for (std::size_t from = 1;;) {
            std::size_t next = line.find(kField, from);
            f.push_back(line.substr(from, next == std::string::npos ? std::string::npos : next - from));
            if (next == std::string::npos)
                break;
            from = next + 1;
        }
        if (f.size() != 5)
            return false;
        frontend::KernelArgInfo a;
        a.addressSpace = static_cast<unsigned>(std::strtoul(f[0].c_str(), nullptr, 10));
        a.access = f[1];
        a.typeName = f[2];
        a.typeQualifier = f[3];
        a.name = f[4];
        current->push_back(std::move(a));
    }
    return true;
}

// Entries are "<key size>\n<key><warnings size>\n<warnings><args size>\n
// <args><words>".
bool readEntry(const std::filesystem::path& path, const std::string& key, frontend::Module& module)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t at = 0;
    auto field = [&](std::string& out) {
        std::size_t newline = bytes.find('\n', at);
        if (newline == std::string::npos)
            return false;
        std::size_t size = std::strtoull(bytes.c_str() + at, nullptr, 10);
        at = newline + 1;
        if (size > bytes.size() - at)
            return false;
        out = bytes.substr(at, size);
        at += size;
        return true;
    };
    std::string storedKey, warnings, args;
    if (!field(storedKey) || storedKey != key || !field(warnings) || !field(args) ||
        !decodeArgs(args, module.kernelArgs))
        return false;
    std::size_t rest = bytes.size() - at;
    if (rest == 0 || rest % 4)
        return false;
    module.words.resize(rest / 4);
    std::memcpy(module.words.data(), bytes.data() + at, rest);
    module.warnings = std::move(warnings);
    return true;
}

void writeEntry(const std::filesystem::path& path, const std::string& key, const frontend::Module& module)
{
    // Written aside and renamed: a reader sees a whole entry or none.
    std::filesystem::path temporary = path;
    temporary += fmt::format(".{}.tmp", getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            return;
        std::string args = encodeArgs(module.kernelArgs);
        out << key.size() << '\n' << key << module.warnings.size() << '\n' << module.warnings << args.size() << '\n'
            << args;
        out.write(reinterpret_cast<const char*>(module.words.data()),
                  static_cast<std::streamsize>(module.words.size() * 4));
        if (!out)
            return;
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error)
        std::filesystem::remove(temporary, error);
}

} // namespace

Result<frontend::Module> cachedOpenclToSpirv(const std::string& source, const std::string& optionText,
                                             const frontend::OpenclOptions& options)
{
    const char* dir = std::getenv("VSVM_OPENCL_CACHE_DIR");
    bool cacheable = dir && *dir && options.includeDirs.empty() && source.find("#include") == std::string::npos;
    std::string identity = cacheable ? libraryIdentity() : std::string();
    if (identity.empty())
        return frontend::openclToSpirv(source, options);

    // The device's extensions decide clang's macros (OpenclOptions::extensions).
    std::string extensions = options.extensions ? fmt::format("{}", fmt::join(*options.extensions, " ")) : "*";
    std::string key = fmt::format("{}\n{}\n{}\n{}\n{}", identity, optionText, extensions, source.size(), source);
    std::filesystem::path path = std::filesystem::path(dir) / fmt::format("{:016x}.spv-entry", fnv1a(key));
    frontend::Module module;
    if (readEntry(path, key, module))
        return module;
    Result<frontend::Module> built = frontend::openclToSpirv(source, options);
    if (built) {
        std::error_code error;
        std::filesystem::create_directories(dir, error);
        writeEntry(path, key, *built);
    }
    return built;
}

} // namespace vsvm::opencl
