// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// y = a * x + y with nothing but OpenCL 1.2: the same program runs on the
// vsvm ICD and on any other implementation (PoCL, a GPU's). The buffers are
// CL_MEM_USE_HOST_PTR over the program's vectors, so an implementation that
// shares the CPU's memory (vsvm) copies nothing. Every element is checked.
// Usage: opencl-saxpy [--platform STR] [--mib N] [--reps R]

#define CL_TARGET_OPENCL_VERSION 300
// clCreateCommandQueue: the queue constructor every version has (its
// successor, clCreateCommandQueueWithProperties, came with 2.0).
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cl_helpers.h"

namespace {

constexpr const char* kProgram = "opencl-saxpy";

// Contraction off: OpenCL rounds each * and + correctly, so without a fused
// multiply-add the device's result is bit for bit the CPU's (CMake compiles
// this file with -ffp-contract=off for the same reason).
constexpr const char* kSource = R"(
#pragma OPENCL FP_CONTRACT OFF
kernel void saxpy(global const float *x, global float *y, float a, uint n)
{
    size_t i = get_global_id(0);

    if (i < n)
        y[i] = a * x[i] + y[i];
}
)";

[[noreturn]] void usage(const char* argv0, int status)
{
    std::fprintf(status ? stderr : stdout,
                 "usage: %s [--platform STR] [--mib N] [--reps R]   (the first platform whose name contains "
                 "STR, default the first; N MiB per array, default 16; the median of R runs, default 5)\n",
                 argv0);
    std::exit(status);
}

struct Options {
    std::string platform;
    size_t mib = 16;
    size_t reps = 5;
};

Options parseOptions(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; i += 2) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0)
            usage(argv[0], 0);
        const char* text = i + 1 < argc ? argv[i + 1] : nullptr;
        auto bad = [&] {
            std::fprintf(stderr, "%s: bad option '%s%s%s'\n", argv[0], argv[i], text ? " " : "", text ? text : "");
            usage(argv[0], 2);
        };
        if (std::strcmp(argv[i], "--platform") == 0) {
            if (!text)
                bad();
            options.platform = text;
            continue;
        }
        size_t* target = std::strcmp(argv[i], "--mib") == 0    ? &options.mib
                         : std::strcmp(argv[i], "--reps") == 0 ? &options.reps
                                                               : nullptr;
        char* end = nullptr;
        unsigned long long value = text ? std::strtoull(text, &end, 10) : 0;
        // 4096 MiB: n floats stay a cl_uint.
        if (!target || !text || *end || value == 0 || !std::isdigit(text[0]) ||
            value > (target == &options.mib ? 4095 : 1000))
            bad();
        *target = static_cast<size_t>(value);
    }
    return options;
}

} // namespace

int main(int argc, char** argv)
{
    Options options = parseOptions(argc, argv);

    cl_uint platformCount = 0;
    check(clGetPlatformIDs(0, nullptr, &platformCount), "clGetPlatformIDs");
    std::vector<cl_platform_id> platforms(platformCount);
    check(clGetPlatformIDs(platformCount, platforms.data(), nullptr), "clGetPlatformIDs");
    auto platform = std::find_if(platforms.begin(), platforms.end(), [&](cl_platform_id p) {
        return platformString(p, CL_PLATFORM_NAME).find(options.platform) != std::string::npos;
    });
    if (platform == platforms.end()) {
        std::string names;
        for (cl_platform_id p : platforms)
            names += (names.empty() ? "" : ", ") + platformString(p, CL_PLATFORM_NAME);
        std::fprintf(stderr, "%s: no platform name contains '%s' (platforms: %s)\n", kProgram,
                     options.platform.c_str(), names.c_str());
        return 1;
    }
    cl_device_id device = nullptr;
    check(clGetDeviceIDs(*platform, CL_DEVICE_TYPE_ALL, 1, &device, nullptr), "clGetDeviceIDs");
    std::string name = platformString(*platform, CL_PLATFORM_NAME) + "/" + deviceString(device, CL_DEVICE_NAME);

    cl_int err = CL_SUCCESS;
    Context context(clCreateContext(nullptr, 1, &device, nullptr, nullptr, &err));
    check(err, "clCreateContext");
    Queue queue(clCreateCommandQueue(context.get(), device, 0, &err));
    check(err, "clCreateCommandQueue");
    const char* source = kSource;
    Program program(clCreateProgramWithSource(context.get(), 1, &source, nullptr, &err));
    check(err, "clCreateProgramWithSource");
    err = clBuildProgram(program.get(), 1, &device, "", nullptr, nullptr);
    if (err != CL_SUCCESS) {
        size_t size = 0;
        clGetProgramBuildInfo(program.get(), device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size);
        std::string log(size, '\0');
        clGetProgramBuildInfo(program.get(), device, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr);
        std::fprintf(stderr, "%s: %s: clBuildProgram failed: OpenCL error %d\n%s\n", kProgram, name.c_str(), err,
                     log.c_str());
        return 1;
    }
    Kernel kernel(clCreateKernel(program.get(), "saxpy", &err));
    check(err, "clCreateKernel");

    // Fractions, so that a fused multiply-add or a wrong rounding shows;
    // all of them, and every sum, far from the denormals a device may flush.
    const cl_uint n = static_cast<cl_uint>(options.mib * 1024 * 1024 / sizeof(float));
    const float a = 1.5f;
    std::vector<float> x(n), y(n);
    for (cl_uint i = 0; i < n; i++) {
        x[i] = 0.1f + static_cast<float>(i % 4099) / 3.0f;
        y[i] = 1.0f / static_cast<float>(1 + i % 1021);
    }
    std::vector<float> expected = y;

    Buffer xBuffer(clCreateBuffer(context.get(), CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR, n * sizeof(float),
                                  x.data(), &err));
    check(err, "clCreateBuffer");
    Buffer yBuffer(clCreateBuffer(context.get(), CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, n * sizeof(float),
                                  y.data(), &err));
    check(err, "clCreateBuffer");
    cl_mem xMem = xBuffer.get(), yMem = yBuffer.get();
    check(clSetKernelArg(kernel.get(), 0, sizeof xMem, &xMem), "clSetKernelArg");
    check(clSetKernelArg(kernel.get(), 1, sizeof yMem, &yMem), "clSetKernelArg");
    check(clSetKernelArg(kernel.get(), 2, sizeof a, &a), "clSetKernelArg");
    check(clSetKernelArg(kernel.get(), 3, sizeof n, &n), "clSetKernelArg");

    // Each run adds a * x to y once more; the reads bring y up to date in
    // the vector (for a USE_HOST_PTR buffer, reading into its own host
    // memory is allowed once the commands that use it are done).
    std::vector<double> ms;
    for (size_t rep = 0; rep < options.reps; rep++) {
        size_t global = n;
        auto start = std::chrono::steady_clock::now();
        check(clEnqueueNDRangeKernel(queue.get(), kernel.get(), 1, nullptr, &global, nullptr, 0, nullptr, nullptr),
              "clEnqueueNDRangeKernel");
        check(clEnqueueReadBuffer(queue.get(), yMem, CL_TRUE, 0, n * sizeof(float), y.data(), 0, nullptr, nullptr),
              "clEnqueueReadBuffer");
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }

    for (size_t rep = 0; rep < options.reps; rep++)
        for (cl_uint i = 0; i < n; i++)
            expected[i] = a * x[i] + expected[i];
    for (cl_uint i = 0; i < n; i++) {
        if (y[i] != expected[i]) {
            std::fprintf(stderr, "%s: %s: y[%u] = %.9g, expected %.9g (x %.9g, after %zu runs)\n", kProgram,
                         name.c_str(), i, static_cast<double>(y[i]), static_cast<double>(expected[i]),
                         static_cast<double>(x[i]), options.reps);
            return 1;
        }
    }

    std::sort(ms.begin(), ms.end());
    double median = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
    std::printf("%s: %s: %u floats in %.3f ms (kernel+read, median of %zu)\n", kProgram, name.c_str(), n, median,
                options.reps);
    return 0;
}
