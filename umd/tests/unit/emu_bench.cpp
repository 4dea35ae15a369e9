// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// vsvm-emu-bench: the interpreter's speed on the host (issue 17, B5). It runs
// saxpy on N floats through vsvm::emu (which is the kernel driver's
// interpreter, compiled as user-space C) on one thread, and the same loop
// natively, and prints the median ns per element of each and their ratio.
// The kernels: examples/kernels/saxpy.vsa (the one B5 runs on the device)
// and, when the front end is built, the corpus's saxpy.cl compiled by
// vsvm-cc. Every run's result is checked against the CPU's; a wrong result
// is exit status 1, so the ctest that runs it on a small size is a test of
// the interpreter too.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "vsvm/emu.h"
#include "vsvm/isa.h"
#ifdef VSVM_EMU_BENCH_CL
#include "vsvm/compile.h"
#endif

namespace {

struct Kernel {
    std::string name;
    vsvm::isa::Program program;
    std::uint32_t local = 0;
};

double medianOf(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double timeNs(const std::function<void()>& f)
{
    auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
}

// The loop B5 compares with, built with the project's -O2. noinline so the
// compiler cannot fold it into the timing loop.
__attribute__((noinline)) void nativeSaxpy(float* __restrict y, const float* __restrict x, float a, std::uint32_t n)
{
    for (std::uint32_t i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

bool readFile(const std::string& path, std::string& out)
{
    std::ifstream in(path);
    if (!in)
        return false;
    std::stringstream text;
    text << in.rdbuf();
    out = text.str();
    return true;
}

int usage(const char* argv0)
{
    std::fprintf(stderr,
                 "usage: %s [--floats N] [--reps R] [--threads T] [--only vsa|cl]\n"
                 "  saxpy on N floats (default 4194304) through the host emulator and natively;\n"
                 "  prints the median ns per element over R repetitions (default 5).\n",
                 argv0);
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    std::uint32_t n = 4u << 20;
    unsigned reps = 5, threads = 1;
    std::string only;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
            return usage(argv[0]), 0;
        if (i + 1 >= argc)
            return usage(argv[0]);
        std::string value = argv[++i];
        if (arg == "--floats")
            n = static_cast<std::uint32_t>(std::stoul(value));
        else if (arg == "--reps")
            reps = static_cast<unsigned>(std::stoul(value));
        else if (arg == "--threads")
            threads = static_cast<unsigned>(std::stoul(value));
        else if (arg == "--only")
            only = value;
        else
            return usage(argv[0]);
    }
    if (!n || !reps || !threads)
        return usage(argv[0]);

    std::vector<Kernel> kernels;
    if (only.empty() || only == "vsa") {
        std::string source;
        if (!readFile(VSVM_EXAMPLES_DIR "/saxpy.vsa", source)) {
            std::fprintf(stderr, "cannot read %s\n", VSVM_EXAMPLES_DIR "/saxpy.vsa");
            return 1;
        }
        vsvm::isa::Assembly assembly = vsvm::isa::assemble(source);
        if (!assembly.ok()) {
            std::fprintf(stderr, "saxpy.vsa: %s\n",
                         vsvm::isa::formatDiagnostic("saxpy.vsa", assembly.diagnostics[0]).c_str());
            return 1;
        }
        kernels.push_back({"saxpy.vsa", assembly.program, 256});
    }
#ifdef VSVM_EMU_BENCH_CL
    if (only.empty() || only == "cl") {
        auto compiled = vsvm::compile::compileFile(VSVM_CORPUS_DIR "/saxpy.cl");
        if (!compiled) {
            std::fprintf(stderr, "corpus saxpy.cl: %s\n", compiled.status().message().c_str());
            return 1;
        }
        kernels.push_back({"corpus saxpy.cl", compiled->program, 64});
    }
#endif
    if (kernels.empty())
        return usage(argv[0]);

    const float a = 2.5f;
    std::vector<float> x(n), y0(n), y(n), expected(n);
    for (std::uint32_t i = 0; i < n; i++) {
        x[i] = static_cast<float>(i % 1000) * 0.25f - 7.0f;
        y0[i] = static_cast<float>(i % 7) + 0.5f;
        // Both kernels round the product, then the sum (v_mac_f32; the
        // compiler does not contract a * x + y into an FMA).
        float product = a * x[i];
        expected[i] = product + y0[i];
    }

    std::vector<double> native;
    for (unsigned r = 0; r < reps; r++) {
        y = y0;
        native.push_back(timeNs([&] { nativeSaxpy(y.data(), x.data(), a, n); }) / n);
    }
    double nativeNs = medianOf(native);
    std::printf("native -O2 loop: %.3f ns/element (%u floats, median of %u)\n", nativeNs, n, reps);

    int status = 0;
    for (const Kernel& k : kernels) {
        std::uint32_t aBits;
        std::memcpy(&aBits, &a, 4);
        const std::uint64_t args[4] = {reinterpret_cast<std::uintptr_t>(x.data()),
                                       reinterpret_cast<std::uintptr_t>(y.data()), n, aBits};
        vsvm::emu::Launch launch;
        launch.program = k.program.words;
        launch.entry = k.program.entry;
        launch.isaVersion = k.program.isaVersion;
        launch.groupSize = {k.local, 1, 1};
        launch.numGroups = {(n + k.local - 1) / k.local, 1, 1};
        launch.args = args;
        const vsvm::emu::HostRange ranges[] = {
            {x.data(), x.size() * sizeof(float), vsvm::emu::Access::ReadOnly},
            {y.data(), y.size() * sizeof(float), vsvm::emu::Access::ReadWrite},
        };
        std::vector<double> emu;
        std::uint64_t instructions = 0;
        for (unsigned r = 0; r < reps; r++) {
            y = y0;
            vsvm::Result<vsvm::emu::RunResult> result = vsvm::emu::RunResult{};
            double ns = timeNs([&] { result = vsvm::emu::run(launch, ranges, {.threads = threads}); });
            if (!result || !result->ok()) {
                std::fprintf(stderr, "%s: %s\n", k.name.c_str(),
                             result ? result->describe().c_str() : result.status().message().c_str());
                return 1;
            }
            instructions = result->instructions;
            if (std::memcmp(y.data(), expected.data(), n * sizeof(float)) != 0) {
                for (std::uint32_t i = 0; i < n; i++)
                    if (std::memcmp(&y[i], &expected[i], 4) != 0) {
                        std::fprintf(stderr, "%s: y[%u] = %g, expected %g\n", k.name.c_str(), i, y[i], expected[i]);
                        break;
                    }
                status = 1;
                break;
            }
            emu.push_back(ns / n);
        }
        if (status)
            break;
        double emuNs = medianOf(emu);
        std::printf("%s on the emulator (%u thread%s): %.3f ns/element, %.2f wave instructions/element, "
                    "%.1fx the native loop\n",
                    k.name.c_str(), threads, threads == 1 ? "" : "s", emuNs, double(instructions) / n,
                    emuNs / nativeNs);
    }
    return status;
}
