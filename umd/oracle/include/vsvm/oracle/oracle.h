// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/status.h"

/**
 * Reference implementations ("oracles") that run the same kernels as the
 * vsvm compiler on other, independent stacks, over the caller's host memory
 * (library vsvm_oracle):
 *
 * - PoclOracle: OpenCL C on PoCL's CPU device through the OpenCL ICD loader.
 * - LavapipeOracle: SPIR-V compute shaders (GLSL with GL_EXT_buffer_reference,
 *   64-bit pointers in push constants) on Mesa's lavapipe through the Vulkan
 *   loader, over host memory imported with VK_EXT_external_memory_host.
 *
 * A missing ICD or a device without what is needed is an error Status
 * (ENODEV/ENOTSUP) whose message says what is missing and points at
 * tools/deps.sh. Nothing throws across this API.
 *
 * Pointers inside the data (linked lists, graphs) need the device to see the
 * host's addresses:
 * - PoCL: only with fine-grained *system* SVM does any host pointer work;
 *   PoCL 3.1's CPU device does not report it. allocateShared() gives
 *   fine-grained *buffer* SVM memory (clSVMAlloc) instead, which the caller
 *   fills like any host memory and whose addresses the kernel sees as they
 *   are, pointers inside the data included. Other host memory is passed as a
 *   CL_MEM_USE_HOST_PTR buffer over a declared HostBuffer, which works only
 *   for pointer-free data (the kernel gets a buffer, not that address).
 * - lavapipe: the device address of imported memory is whatever
 *   vkGetBufferDeviceAddress says. Pointer arguments (push constants) are
 *   translated from host to device addresses. Pointers inside the data work
 *   only when the two are equal for every imported range, which
 *   hostAddressesAreDeviceAddresses() reports after the first run (lavapipe
 *   maps imported memory at its host address, so they are in practice);
 *   when not, run() refuses a launch that declares pointers in its data.
 *
 * Thread safety: one oracle object per thread.
 */
namespace vsvm::oracle {

/// A kernel argument, in order: a pointer into declared memory or a scalar.
struct Arg {
    enum class Kind : std::uint8_t { Pointer, U32, I32, F32, U64, I64 };
    Kind kind = Kind::U32;
    /// Pointer: the host address; scalars: the value's bits (zero-extended).
    std::uint64_t bits = 0;

    static Arg pointer(const void* p) { return {Kind::Pointer, reinterpret_cast<std::uintptr_t>(p)}; }
    static Arg u32(std::uint32_t v) { return {Kind::U32, v}; }
    static Arg i32(std::int32_t v) { return {Kind::I32, static_cast<std::uint32_t>(v)}; }
    static Arg f32(float v);
    static Arg u64(std::uint64_t v) { return {Kind::U64, v}; }
    static Arg i64(std::int64_t v) { return {Kind::I64, static_cast<std::uint64_t>(v)}; }

    /// Bytes of the value in a push-constant block or a clSetKernelArg: 4 or 8.
    std::size_t size() const;
};

/// Host memory the kernel uses, [base, base + size).
struct HostBuffer {
    void* base = nullptr;
    std::size_t size = 0;
};

/// The work: global size in work-items and local (workgroup) size, per dimension.
struct NDRange {
    std::array<std::uint32_t, 3> global{1, 1, 1};
    std::array<std::uint32_t, 3> local{1, 1, 1};
};

/// OpenCL C on PoCL's CPU device.
class PoclOracle {
public:
    /// The first CPU device of the platform named "Portable Computing
    /// Language". ENODEV with advice when the loader or PoCL is missing.
    static Result<std::unique_ptr<PoclOracle>> open();
    virtual ~PoclOracle() = default;

    /// "pthread-skylake-avx512-..." and the platform version.
    virtual std::string deviceDescription() const = 0;
    /// CL_DEVICE_SVM_FINE_GRAIN_SYSTEM: any host pointer works in the kernel.
    virtual bool fineGrainSystemSvm() const = 0;

    /// @p bytes of fine-grained buffer SVM, zeroed, at the device's default
    /// alignment (128 bytes for PoCL 3.1; it refuses 4096): host
    /// memory whose addresses the kernel sees as they are. Freed by
    /// release() or when the oracle goes.
    virtual Result<void*> allocateShared(std::size_t bytes) = 0;
    virtual void release(void* shared) = 0;

    /**
     * Build @p source with @p options and run kernel @p entry over @p range,
     * waiting for it. A pointer argument must point into memory from
     * allocateShared() (passed as an SVM pointer), or be the start of one
     * of @p buffers (passed as a CL_MEM_USE_HOST_PTR buffer; its contents
     * are the caller's memory again when run() returns). EINVAL for an
     * argument in neither, for a build error (with PoCL's build log), and
     * for an error of an OpenCL call (naming it and its error code).
     */
    virtual Status run(std::string_view source, std::string_view options, std::string_view entry,
                       std::span<const Arg> args, const NDRange& range, std::span<const HostBuffer> buffers = {}) = 0;

    /// For benchmarks (vsvm-difftest --time): how long the last successful
    /// run() took from clEnqueueNDRangeKernel to the end of clFinish
    /// (steady_clock), without the build, the kernel's creation or its
    /// arguments.
    virtual std::chrono::nanoseconds lastDispatchTime() const = 0;
};

/// SPIR-V compute shaders on Mesa's lavapipe.
class LavapipeOracle {
public:
    /// The lavapipe device ("llvmpipe (...)"), with VK_EXT_external_memory_host,
    /// bufferDeviceAddress and shaderInt64. If the environment names no
    /// Vulkan driver (VK_DRIVER_FILES, VK_ICD_FILENAMES), the loader is
    /// pointed at lavapipe's ICD file so that no GPU driver is probed.
    /// ENODEV with advice when the loader or lavapipe is missing.
    static Result<std::unique_ptr<LavapipeOracle>> open();
    virtual ~LavapipeOracle() = default;

    virtual std::string deviceDescription() const = 0;
    /// minImportedHostPointerAlignment: the page size of the imports.
    virtual std::size_t importAlignment() const = 0;
    /// Whether every range imported so far has its host address as device
    /// address; false before the first run.
    virtual bool hostAddressesAreDeviceAddresses() const = 0;

    /**
     * Run @p spirv's compute entry point @p entry with @p range (the local
     * size is given to the shader as specialization constants 0, 1, 2:
     * `layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id =
     * 2) in;`, and global / local workgroups are dispatched). The arguments
     * are the push constants, packed in order at their natural alignment
     * (pointers as device addresses, 8 bytes; what std430 gives a block of
     * uint64_t/buffer references and 32-bit scalars). Every pointer argument
     * must point into one of @p buffers; the page range of every buffer
     * (merged where they share pages) is imported. @p pointersInData: the
     * data holds pointers the shader follows; refused (ENOTSUP) unless
     * device addresses are host addresses.
     */
    virtual Status run(std::span<const std::uint32_t> spirv, std::string_view entry, std::span<const Arg> args,
                       const NDRange& range, std::span<const HostBuffer> buffers, bool pointersInData = false) = 0;

    /// For benchmarks (vsvm-difftest --time): how long the last successful
    /// run() took from vkQueueSubmit to the end of vkWaitForFences
    /// (steady_clock), without the imports, the pipeline's creation or the
    /// recording of the command buffer.
    virtual std::chrono::nanoseconds lastDispatchTime() const = 0;
};

/// Advice appended to the errors of a missing driver.
inline constexpr const char* kDepsAdvice = "install the packages of tools/packages.txt with tools/deps.sh";

} // namespace vsvm::oracle
