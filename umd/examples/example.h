// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// What every example does besides its own work: read options, load a kernel
// of examples/kernels/, stop with a message on the first error.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "vsvm/compile.h"
#include "vsvm/runtime.h"

namespace example {

/**
 * The "--name N" options of an example: every name must be one of
 * @p names and every N a positive whole number, or one of @p words (such as
 * "--lang") with a word from its list; else the program ends with a usage
 * message (exit status 2). --help prints the usage and exits.
 */
class Options {
public:
    using Words = std::initializer_list<std::pair<const char*, std::initializer_list<const char*>>>;

    Options(int argc, char** argv, std::initializer_list<const char*> names, const char* usage,
            Words words = {})
    {
        for (int i = 1; i < argc; i += 2) {
            if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
                std::printf("usage: %s %s\n", argv[0], usage);
                std::exit(0);
            }
            auto word = std::find_if(words.begin(), words.end(),
                                     [&](const auto& w) { return std::strcmp(argv[i], w.first) == 0; });
            if (word != words.end() && i + 1 < argc &&
                std::any_of(word->second.begin(), word->second.end(),
                            [&](const char* choice) { return std::strcmp(argv[i + 1], choice) == 0; })) {
                words_[argv[i]] = argv[i + 1];
                continue;
            }
            bool known = std::any_of(names.begin(), names.end(),
                                     [&](const char* name) { return std::strcmp(argv[i], name) == 0; });
            char* end = nullptr;
            unsigned long value = i + 1 < argc ? std::strtoul(argv[i + 1], &end, 10) : 0;
            if (!known || i + 1 >= argc || *end || value == 0 || !std::isdigit(argv[i + 1][0])) {
                std::fprintf(stderr, "%s: bad option '%s%s%s'\nusage: %s %s\n", argv[0], argv[i],
                             i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "", argv[0], usage);
                std::exit(2);
            }
            values_[argv[i]] = value;
        }
    }

    unsigned long get(const char* name, unsigned long fallback) const
    {
        auto found = values_.find(name);
        return found == values_.end() ? fallback : found->second;
    }

    std::string word(const char* name, const char* fallback) const
    {
        auto found = words_.find(name);
        return found == words_.end() ? fallback : found->second;
    }

private:
    std::map<std::string, unsigned long> values_;
    std::map<std::string, std::string> words_;
};

/// Ends the program with "program: message" when @p result has no value.
template <typename T>
T check(const char* program, vsvm::Result<T> result)
{
    if (!result) {
        std::fprintf(stderr, "%s: %s\n", program, result.status().message().c_str());
        std::exit(1);
    }
    return std::move(result).value();
}

/**
 * Compiles examples/kernels/@p name.cl (@p lang "opencl": OpenCL C through
 * clang, llvm-spirv and libclc) or @p name.comp ("glsl": through glslang)
 * to SPIR-V, then to the vsvm ISA (vsvm-cc's back end). A kernel whose
 * source fixes its workgroup size must be launched with @p lanes lanes.
 */
inline vsvm::Kernel compileKernel(const char* program, const std::string& name, const std::string& lang,
                                  uint32_t lanes)
{
    std::string path = std::string(VSVM_KERNELS_DIR) + "/" + name + (lang == "glsl" ? ".comp" : ".cl");
    vsvm::Result<vsvm::cc::CompiledKernel> compiled = vsvm::compile::compileFile(path);
    if (!compiled) {
        std::fprintf(stderr, "%s: %s: %s\n", program, path.c_str(), compiled.status().message().c_str());
        std::exit(1);
    }
    const auto& local = compiled->localSize;
    if (local[0] && (local[0] != lanes || local[1] > 1 || local[2] > 1)) {
        std::fprintf(stderr, "%s: %s wants workgroups of %ux%ux%u lanes, the example launches %u\n", program,
                     path.c_str(), local[0], local[1], local[2], lanes);
        std::exit(1);
    }
    if (compiled->privateBytesPerLane) {
        std::fprintf(stderr, "%s: %s needs a private stack, which the examples do not pass\n", program,
                     path.c_str());
        std::exit(1);
    }
    std::printf("%s: compiled %s (%s) to %zu ISA v%u instructions\n", program, path.c_str(), lang.c_str(),
                compiled->program.words.size(), compiled->program.isaVersion);
    return check(program, vsvm::Kernel::fromProgram(compiled->program));
}

/// Assembles examples/kernels/@p name.vsa.
inline vsvm::Kernel loadKernel(const char* program, const std::string& name,
                               const std::string& lang = "asm", uint32_t lanes = 0)
{
    if (lang != "asm")
        return compileKernel(program, name, lang, lanes);
    std::string path = std::string(VSVM_KERNELS_DIR) + "/" + name + ".vsa";
    std::ifstream file(path);
    if (!file) {
        std::fprintf(stderr, "%s: cannot read %s\n", program, path.c_str());
        std::exit(1);
    }
    std::stringstream source;
    source << file.rdbuf();
    return check(program, vsvm::Kernel::fromAssembly(source.str()));
}

/// Ends the program with "program: message" when @p status is a failure
/// (for a job that did not end well: its fault address, access and pc).
inline void check(const char* program, const vsvm::Status& status)
{
    if (!status.ok()) {
        std::fprintf(stderr, "%s: %s\n", program, status.message().c_str());
        std::exit(1);
    }
}

/// The counters that show the device mirroring the process's memory.
inline void printCounters(const char* program, const vsvm::Vm& vm)
{
    vsvm::VmCounters c = check(program, vm.counters());
    std::printf("%s: device page faults %llu (4K maps %llu, 2M maps %llu, %.1f ms in faults), "
                "invalidations %llu\n",
                program, static_cast<unsigned long long>(c.faults),
                static_cast<unsigned long long>(c.mapped4K), static_cast<unsigned long long>(c.mapped2M),
                static_cast<double>(c.faultNs) / 1e6, static_cast<unsigned long long>(c.invalidations()));
}

} // namespace example
