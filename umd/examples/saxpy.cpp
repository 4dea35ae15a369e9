// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// y = a * x + y on malloc'd memory: the device uses the CPU's pointers, and
// takes a page fault the first time it touches each page. Freeing the arrays
// afterwards unmaps them, and the device's translations go with them.
// Usage: saxpy [--mib N]   (N MiB per array, default 64)
// While the device works it prints a line as each job (1 MiB of each array)
// ends: under emulation a large run takes minutes.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "example.h"
#include "vsvm/runtime.h"

int main(int argc, char** argv)
{
    example::Options options(argc, argv, {"--mib"},
                             "[--mib N] [--lang asm|opencl|glsl]   (N MiB per array, default 64; the "
                             "kernel in vsvm assembly, OpenCL C or GLSL, default asm)",
                             {{"--lang", {"asm", "opencl", "glsl"}}});
    const std::size_t mib = options.get("--mib", 64);
    const uint32_t n = static_cast<uint32_t>(mib * 1024 * 1024 / sizeof(float));
    const float a = 2.0f;

    const uint32_t lanes = 256;
    vsvm::Kernel kernel = example::loadKernel("saxpy", "saxpy", options.word("--lang", "asm"), lanes);
    vsvm::Device device = example::check("saxpy", vsvm::Device::open(0));
    vsvm::Vm vm = example::check("saxpy", vsvm::Vm::create(device));

    auto* x = static_cast<float*>(std::malloc(n * sizeof(float)));
    auto* y = static_cast<float*>(std::malloc(n * sizeof(float)));
    if (!x || !y) {
        std::fprintf(stderr, "saxpy: out of memory for 2 x %zu MiB\n", mib);
        return 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        x[i] = static_cast<float>(i % 1000);
        y[i] = 1.0f;
    }

    // One job per 1 MiB of each array: a job must end within the device's
    // job timeout (job_timeout_ms, 10 s by default), and an emulated device
    // is slow. Each job gets pointers into the middle of the arrays.
    const uint32_t groups = (n + lanes - 1) / lanes;
    const uint32_t groupsPerJob = 1024;
    auto start = std::chrono::steady_clock::now();
    auto sinceStart = [&] {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    };
    vsvm::ComputeQueue queue(vm);
    vsvm::SplitOptions split{.maxGroups = groupsPerJob};
    split.progress = [&](uint64_t done, uint64_t total) {
        std::printf("saxpy: job %llu/%llu done, %.1f s\n", static_cast<unsigned long long>(done),
                    static_cast<unsigned long long>(total), sinceStart().count() / 1000);
        std::fflush(stdout);
    };
    auto argsOfJob = [&](uint32_t firstGroup, uint32_t count) {
        uint32_t first = firstGroup * lanes;
        uint32_t elements = std::min(count * lanes, n - first);
        return vsvm::KernelArgs(x + first, y + first, elements, a);
    };
    uint64_t jobs = example::check("saxpy", queue.dispatchSplit(kernel, {groups}, {lanes}, argsOfJob, split));
    auto elapsed = sinceStart();

    uint32_t wrong = 0;
    for (uint32_t i = 0; i < n; i++)
        wrong += y[i] != a * static_cast<float>(i % 1000) + 1.0f;
    std::printf("saxpy: %u elements (2 x %zu MiB malloc'd), %s (%u wrong), %.1f ms on the device (%llu jobs)\n",
                n, mib, wrong ? "FAILED" : "ok", wrong, elapsed.count(), static_cast<unsigned long long>(jobs));
    example::printCounters("saxpy", vm);

    // Large blocks are mmap'd by malloc, so free() unmaps them: the kernel
    // tells the device, which drops its translations of those pages.
    std::free(x);
    std::free(y);
    vsvm::VmCounters after = example::check("saxpy", vm.counters());
    std::printf("saxpy: after free(): invalidations %llu (unmap %llu), device PTEs zapped %llu (4K units)\n",
                static_cast<unsigned long long>(after.invalidations()),
                static_cast<unsigned long long>(after.invalUnmap),
                static_cast<unsigned long long>(after.ptesZapped));
    return wrong ? 1 : 0;
}
