// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// y = a * x + y on malloc'd memory: the device uses the CPU's pointers, and
// takes a page fault the first time it touches each page. Freeing the arrays
// afterwards unmaps them, and the device's translations go with them.
// Usage: saxpy [--mib N]   (N MiB per array, default 64)
// While the device works it prints a line as each job (1 MiB of each array)
// ends: under emulation a large run takes minutes.

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "example.h"
#include "vsvm/runtime.h"

int main(int argc, char** argv)
{
    example::Options options(argc, argv, {"--mib"}, "[--mib N]   (N MiB per array, default 64)");
    const std::size_t mib = options.get("--mib", 64);
    const uint32_t n = static_cast<uint32_t>(mib * 1024 * 1024 / sizeof(float));
    const float a = 2.0f;

    vsvm::Kernel kernel = example::loadKernel("saxpy", "saxpy");
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

    // One job per 1 MiB of each array (example.h says why).
    const uint32_t chunk = 256 * 1024;
    const uint32_t totalJobs = (n + chunk - 1) / chunk;
    auto start = std::chrono::steady_clock::now();
    auto sinceStart = [&] {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    };
    const uint32_t lanes = 256;
    vsvm::ComputeQueue queue(vm);
    uint32_t jobs = example::launchInChunks(
        "saxpy", n, chunk,
        [&](uint32_t first, uint32_t count) {
            return queue.launch(kernel, {(count + lanes - 1) / lanes}, {lanes}, x + first, y + first, count, a);
        },
        [&](uint32_t ended) {
            std::printf("saxpy: job %u/%u done, %.1f s\n", ended, totalJobs, sinceStart().count() / 1000);
            std::fflush(stdout);
        });
    auto elapsed = sinceStart();

    uint32_t wrong = 0;
    for (uint32_t i = 0; i < n; i++)
        wrong += y[i] != a * static_cast<float>(i % 1000) + 1.0f;
    std::printf("saxpy: %u elements (2 x %zu MiB malloc'd), %s (%u wrong), %.1f ms on the device (%u jobs)\n", n,
                mib, wrong ? "FAILED" : "ok", wrong, elapsed.count(), jobs);
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
