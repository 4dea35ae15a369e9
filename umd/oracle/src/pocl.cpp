// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <type_traits>

#include <fmt/format.h>

#include "vsvm/oracle/oracle.h"

namespace vsvm::oracle {

Arg Arg::f32(float v)
{
    return {Kind::F32, std::bit_cast<std::uint32_t>(v)};
}

std::size_t Arg::size() const
{
    return kind == Kind::U32 || kind == Kind::I32 || kind == Kind::F32 ? 4 : 8;
}

namespace {

// One RAII holder per OpenCL object type, releasing with its own call.
template <typename T, cl_int (*Release)(T)>
struct ClDeleter {
    void operator()(T object) const { Release(object); }
};
using ContextPtr = std::unique_ptr<std::remove_pointer_t<cl_context>, ClDeleter<cl_context, clReleaseContext>>;
using QueuePtr =
    std::unique_ptr<std::remove_pointer_t<cl_command_queue>, ClDeleter<cl_command_queue, clReleaseCommandQueue>>;
using ProgramPtr = std::unique_ptr<std::remove_pointer_t<cl_program>, ClDeleter<cl_program, clReleaseProgram>>;
using KernelPtr = std::unique_ptr<std::remove_pointer_t<cl_kernel>, ClDeleter<cl_kernel, clReleaseKernel>>;
using MemPtr = std::unique_ptr<std::remove_pointer_t<cl_mem>, ClDeleter<cl_mem, clReleaseMemObject>>;

Status clError(const char* call, cl_int err)
{
    return Status::error(EINVAL, fmt::format("pocl: {} failed: OpenCL error {}", call, err));
}

std::string deviceString(cl_device_id device, cl_device_info what)
{
    std::size_t size = 0;
    if (clGetDeviceInfo(device, what, 0, nullptr, &size) != CL_SUCCESS || size == 0)
        return {};
    std::string text(size, '\0');
    clGetDeviceInfo(device, what, size, text.data(), nullptr);
    text.resize(std::strlen(text.c_str()));
    return text;
}

std::string platformString(cl_platform_id platform, cl_platform_info what)
{
    std::size_t size = 0;
    if (clGetPlatformInfo(platform, what, 0, nullptr, &size) != CL_SUCCESS || size == 0)
        return {};
    std::string text(size, '\0');
    clGetPlatformInfo(platform, what, size, text.data(), nullptr);
    text.resize(std::strlen(text.c_str()));
    return text;
}

class Pocl final : public PoclOracle {
public:
    Pocl(cl_device_id device, ContextPtr context, QueuePtr queue, std::string description, bool systemSvm)
        : device_(device), context_(std::move(context)), queue_(std::move(queue)),
          description_(std::move(description)), systemSvm_(systemSvm)
    {
    }

    ~Pocl() override
    {
        for (auto& [base, size] : shared_)
            clSVMFree(context_.get(), base);
    }

    std::string deviceDescription() const override { return description_; }
    bool fineGrainSystemSvm() const override { return systemSvm_; }

    Result<void*> allocateShared(std::size_t bytes) override
    {
        std::size_t size = std::max<std::size_t>((bytes + 4095) & ~std::size_t{4095}, 4096);
        void* p = clSVMAlloc(context_.get(), CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER, size, 0);
        if (!p)
            return Status::error(ENOMEM, fmt::format("pocl: clSVMAlloc of {} bytes (fine-grained buffer) failed", size));
        std::memset(p, 0, size);
        shared_[static_cast<char*>(p)] = size;
        return p;
    }

    void release(void* shared) override
    {
        auto it = shared_.find(static_cast<char*>(shared));
        if (it == shared_.end())
            return;
        clSVMFree(context_.get(), it->first);
        shared_.erase(it);
    }

    Status run(std::string_view source, std::string_view options, std::string_view entry, std::span<const Arg> args,
               const NDRange& range, std::span<const HostBuffer> buffers) override
    {
        cl_int err = CL_SUCCESS;
        const char* text = source.data();
        std::size_t length = source.size();
        ProgramPtr program(clCreateProgramWithSource(context_.get(), 1, &text, &length, &err));
        if (err != CL_SUCCESS)
            return clError("clCreateProgramWithSource", err);
        std::string opts(options);
        err = clBuildProgram(program.get(), 1, &device_, opts.c_str(), nullptr, nullptr);
        if (err != CL_SUCCESS) {
            std::size_t size = 0;
            clGetProgramBuildInfo(program.get(), device_, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size);
            std::string log(size, '\0');
            clGetProgramBuildInfo(program.get(), device_, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr);
            return Status::error(EINVAL, fmt::format("pocl: build failed (OpenCL error {}):\n{}", err, log));
        }
        std::string name(entry);
        KernelPtr kernel(clCreateKernel(program.get(), name.c_str(), &err));
        if (err != CL_SUCCESS)
            return Status::error(EINVAL, fmt::format("pocl: no kernel '{}' (OpenCL error {})", name, err));

        std::vector<MemPtr> wrapped;
        std::vector<const HostBuffer*> wrappedOf;
        std::vector<void*> svmPointers;
        for (cl_uint i = 0; i < args.size(); i++) {
            const Arg& arg = args[i];
            if (arg.kind != Arg::Kind::Pointer) {
                std::uint64_t bits = arg.bits;
                err = clSetKernelArg(kernel.get(), i, arg.size(), &bits); // little-endian: the low bytes
                if (err != CL_SUCCESS)
                    return Status::error(EINVAL, fmt::format("pocl: argument {} of '{}': clSetKernelArg of {} bytes "
                                                             "failed: OpenCL error {}", i, name, arg.size(), err));
                continue;
            }
            auto* p = reinterpret_cast<char*>(static_cast<std::uintptr_t>(arg.bits));
            if (!p || systemSvm_ || inShared(p)) {
                // A null pointer is passed as an SVM pointer too: the kernel sees NULL.
                err = clSetKernelArgSVMPointer(kernel.get(), i, p);
                if (err != CL_SUCCESS)
                    return clError("clSetKernelArgSVMPointer", err);
                if (p)
                    svmPointers.push_back(p);
                continue;
            }
            auto buffer = std::find_if(buffers.begin(), buffers.end(),
                                       [&](const HostBuffer& b) { return b.base == p && b.size; });
            if (buffer == buffers.end())
                return Status::error(EINVAL, fmt::format("pocl: argument {} of '{}' ({}) is neither in memory from "
                                                         "allocateShared() nor the start of a declared buffer (this "
                                                         "device has no fine-grained system SVM)",
                                                         i, name, static_cast<void*>(p)));
            MemPtr mem(clCreateBuffer(context_.get(), CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, buffer->size,
                                      buffer->base, &err));
            if (err != CL_SUCCESS)
                return clError("clCreateBuffer(CL_MEM_USE_HOST_PTR)", err);
            cl_mem handle = mem.get();
            err = clSetKernelArg(kernel.get(), i, sizeof(handle), &handle);
            if (err != CL_SUCCESS)
                return clError("clSetKernelArg(buffer)", err);
            wrapped.push_back(std::move(mem));
            wrappedOf.push_back(&*buffer);
        }
        if (!svmPointers.empty() && !systemSvm_) {
            // Tell the runtime which SVM allocations the kernel reaches
            // through pointers in the data: every one of ours.
            std::vector<void*> all;
            for (auto& [base, size] : shared_)
                all.push_back(base);
            err = clSetKernelExecInfo(kernel.get(), CL_KERNEL_EXEC_INFO_SVM_PTRS, all.size() * sizeof(void*),
                                      all.data());
            if (err != CL_SUCCESS)
                return clError("clSetKernelExecInfo(SVM_PTRS)", err);
        }

        std::size_t global[3], local[3];
        for (unsigned d = 0; d < 3; d++) {
            global[d] = range.global[d];
            local[d] = range.local[d];
            if (!local[d] || global[d] % local[d])
                return Status::error(EINVAL, fmt::format("pocl: global size {} is not a multiple of local size {} "
                                                         "in dimension {}", global[d], local[d], d));
        }
        auto start = std::chrono::steady_clock::now();
        err = clEnqueueNDRangeKernel(queue_.get(), kernel.get(), 3, nullptr, global, local, 0, nullptr, nullptr);
        if (err != CL_SUCCESS)
            return clError("clEnqueueNDRangeKernel", err);
        // USE_HOST_PTR buffers: a map makes the caller's memory current.
        for (std::size_t k = 0; k < wrapped.size(); k++) {
            void* mapped = clEnqueueMapBuffer(queue_.get(), wrapped[k].get(), CL_TRUE, CL_MAP_READ, 0,
                                              wrappedOf[k]->size, 0, nullptr, nullptr, &err);
            if (err != CL_SUCCESS)
                return clError("clEnqueueMapBuffer", err);
            if (mapped != wrappedOf[k]->base)
                std::memcpy(wrappedOf[k]->base, mapped, wrappedOf[k]->size);
            clEnqueueUnmapMemObject(queue_.get(), wrapped[k].get(), mapped, 0, nullptr, nullptr);
        }
        err = clFinish(queue_.get());
        if (err != CL_SUCCESS)
            return clError("clFinish", err);
        lastDispatch_ = std::chrono::steady_clock::now() - start;
        return {};
    }

    std::chrono::nanoseconds lastDispatchTime() const override { return lastDispatch_; }

private:
    bool inShared(const char* p) const
    {
        auto it = shared_.upper_bound(const_cast<char*>(p));
        if (it == shared_.begin())
            return false;
        --it;
        return p >= it->first && p < it->first + it->second;
    }

    cl_device_id device_;
    ContextPtr context_;
    QueuePtr queue_;
    std::string description_;
    bool systemSvm_;
    std::map<char*, std::size_t> shared_;
    std::chrono::nanoseconds lastDispatch_{0};
};

} // namespace

Result<std::unique_ptr<PoclOracle>> PoclOracle::open()
{
    cl_uint count = 0;
    cl_int err = clGetPlatformIDs(0, nullptr, &count);
    if (err != CL_SUCCESS || count == 0)
        return Status::error(ENODEV, fmt::format("pocl: no OpenCL platform (clGetPlatformIDs: error {}, {} platforms):"
                                                 " is pocl-opencl-icd installed (/etc/OpenCL/vendors/pocl.icd)? {}",
                                                 err, count, kDepsAdvice));
    std::vector<cl_platform_id> platforms(count);
    clGetPlatformIDs(count, platforms.data(), nullptr);
    for (cl_platform_id platform : platforms) {
        if (platformString(platform, CL_PLATFORM_NAME) != "Portable Computing Language")
            continue;
        cl_device_id device = nullptr;
        if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_CPU, 1, &device, nullptr) != CL_SUCCESS || !device)
            continue;
        cl_device_svm_capabilities svm = 0;
        clGetDeviceInfo(device, CL_DEVICE_SVM_CAPABILITIES, sizeof(svm), &svm, nullptr);
        if (!(svm & CL_DEVICE_SVM_FINE_GRAIN_BUFFER))
            return Status::error(ENOTSUP, "pocl: the CPU device has no fine-grained buffer SVM, which the oracle "
                                          "needs for pointers in the data");
        ContextPtr context(clCreateContext(nullptr, 1, &device, nullptr, nullptr, &err));
        if (err != CL_SUCCESS)
            return clError("clCreateContext", err);
        QueuePtr queue(clCreateCommandQueueWithProperties(context.get(), device, nullptr, &err));
        if (err != CL_SUCCESS)
            return clError("clCreateCommandQueueWithProperties", err);
        std::string description = fmt::format("{} ({})", deviceString(device, CL_DEVICE_NAME),
                                              platformString(platform, CL_PLATFORM_VERSION));
        return std::unique_ptr<PoclOracle>(std::make_unique<Pocl>(device, std::move(context), std::move(queue),
                                                                  std::move(description),
                                                                  (svm & CL_DEVICE_SVM_FINE_GRAIN_SYSTEM) != 0));
    }
    return Status::error(ENODEV, fmt::format("pocl: no CPU device of the PoCL platform among {} OpenCL platforms: is "
                                             "pocl-opencl-icd installed? {}", count, kDepsAdvice));
}

} // namespace vsvm::oracle
