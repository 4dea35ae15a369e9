// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The vsvm OpenCL ICD through the real ICD loader (ocl-icd): ctest runs this
// with OCL_ICD_VENDORS naming only the build tree's vsvm.icd and
// VSVM_OPENCL_BACKEND=emu, so the kernels run on the host emulator.

#define CL_TARGET_OPENCL_VERSION 300
// clEnqueueTask is tested too.
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* kSaxpy = R"(
kernel void saxpy(global const float* x, global float* y, float a, uint n)
{
    size_t i = get_global_id(0);
    if (i < n)
        y[i] = a * x[i] + y[i];
}
)";

constexpr const char* kTwoKernels = R"(
kernel void fill(global int* out, int value)
{
    out[get_global_id(0)] = value + (int)get_global_id(0);
}
kernel void poke(global int* target)
{
    *target = 7;
}
)";

class OpenclTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        cl_uint count = 0;
        ASSERT_EQ(clGetPlatformIDs(1, &platform_, &count), CL_SUCCESS);
        ASSERT_EQ(count, 1u) << "OCL_ICD_VENDORS should name only the vsvm ICD";
        ASSERT_EQ(clGetDeviceIDs(platform_, CL_DEVICE_TYPE_ALL, 1, &device_, nullptr), CL_SUCCESS);
        cl_int err = CL_SUCCESS;
        context_ = clCreateContext(nullptr, 1, &device_, nullptr, nullptr, &err);
        ASSERT_EQ(err, CL_SUCCESS);
        queue_ = clCreateCommandQueueWithProperties(context_, device_, nullptr, &err);
        ASSERT_EQ(err, CL_SUCCESS);
    }

    void TearDown() override
    {
        if (queue_) {
            EXPECT_EQ(clReleaseCommandQueue(queue_), CL_SUCCESS);
        }
        if (context_) {
            EXPECT_EQ(clReleaseContext(context_), CL_SUCCESS);
        }
    }

    cl_program build(const char* source, cl_int expected = CL_SUCCESS, const char* options = "")
    {
        cl_int err = CL_SUCCESS;
        cl_program program = clCreateProgramWithSource(context_, 1, &source, nullptr, &err);
        EXPECT_EQ(err, CL_SUCCESS);
        EXPECT_EQ(clBuildProgram(program, 1, &device_, options, nullptr, nullptr), expected) << buildLog(program);
        return program;
    }

    std::string buildLog(cl_program program)
    {
        std::size_t size = 0;
        clGetProgramBuildInfo(program, device_, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size);
        std::string log(size, '\0');
        clGetProgramBuildInfo(program, device_, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr);
        return log;
    }

    // A read-write buffer of @p n ints.
    cl_mem intBuffer(std::size_t n)
    {
        cl_int err = CL_SUCCESS;
        cl_mem mem = clCreateBuffer(context_, CL_MEM_READ_WRITE, n * sizeof(int), nullptr, &err);
        EXPECT_EQ(err, CL_SUCCESS);
        return mem;
    }

    cl_kernel kernel(cl_program program, const char* name)
    {
        cl_int err = CL_SUCCESS;
        cl_kernel k = clCreateKernel(program, name, &err);
        EXPECT_EQ(err, CL_SUCCESS);
        return k;
    }

    // Runs saxpy over x and y (n floats each), passed as SVM pointers.
    void runSaxpy(float* x, float* y, cl_uint n, float a)
    {
        cl_program program = build(kSaxpy);
        cl_kernel k = kernel(program, "saxpy");
        ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, x), CL_SUCCESS);
        ASSERT_EQ(clSetKernelArgSVMPointer(k, 1, y), CL_SUCCESS);
        ASSERT_EQ(clSetKernelArg(k, 2, sizeof a, &a), CL_SUCCESS);
        ASSERT_EQ(clSetKernelArg(k, 3, sizeof n, &n), CL_SUCCESS);
        // A global size that is not a multiple of n's: the kernel checks.
        std::size_t global = (n + 63) / 64 * 64, local = 64;
        cl_event done = nullptr;
        ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 0, nullptr, &done), CL_SUCCESS);
        ASSERT_EQ(clWaitForEvents(1, &done), CL_SUCCESS);
        cl_int status = 1;
        ASSERT_EQ(clGetEventInfo(done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr),
                  CL_SUCCESS);
        EXPECT_EQ(status, CL_COMPLETE);
        EXPECT_EQ(clReleaseEvent(done), CL_SUCCESS);
        EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
        EXPECT_EQ(clReleaseProgram(program), CL_SUCCESS);
    }

    cl_platform_id platform_ = nullptr;
    cl_device_id device_ = nullptr;
    cl_context context_ = nullptr;
    cl_command_queue queue_ = nullptr;
};

// VSVM_OPENCL_CACHE_DIR set for a scope, then as it was (the guest runs
// these tests with a cache of its own).
class ScopedCacheDir {
public:
    explicit ScopedCacheDir(const std::string& dir)
    {
        if (const char* old = std::getenv("VSVM_OPENCL_CACHE_DIR"))
            old_ = old;
        EXPECT_EQ(::setenv("VSVM_OPENCL_CACHE_DIR", dir.c_str(), 1), 0);
    }
    ScopedCacheDir(const ScopedCacheDir&) = delete;
    ScopedCacheDir& operator=(const ScopedCacheDir&) = delete;
    ~ScopedCacheDir()
    {
        if (old_)
            ::setenv("VSVM_OPENCL_CACHE_DIR", old_->c_str(), 1);
        else
            ::unsetenv("VSVM_OPENCL_CACHE_DIR");
    }

private:
    std::optional<std::string> old_;
};

std::string fmtHex(std::uintptr_t value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%#jx", static_cast<std::uintmax_t>(value));
    return text;
}

std::string deviceString(cl_device_id device, cl_device_info param)
{
    std::size_t size = 0;
    clGetDeviceInfo(device, param, 0, nullptr, &size);
    std::string s(size, '\0');
    clGetDeviceInfo(device, param, size, s.data(), nullptr);
    if (!s.empty())
        s.pop_back();
    return s;
}

TEST_F(OpenclTest, PlatformAndDeviceTellWhatTheyAre)
{
    char name[64] = {};
    ASSERT_EQ(clGetPlatformInfo(platform_, CL_PLATFORM_NAME, sizeof name, name, nullptr), CL_SUCCESS);
    EXPECT_STREQ(name, "vsvm");
    EXPECT_EQ(deviceString(device_, CL_DEVICE_VERSION).rfind("OpenCL 3.0 ", 0), 0u);
    cl_device_svm_capabilities svm = 0;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_SVM_CAPABILITIES, sizeof svm, &svm, nullptr), CL_SUCCESS);
    EXPECT_EQ(svm, CL_DEVICE_SVM_COARSE_GRAIN_BUFFER | CL_DEVICE_SVM_FINE_GRAIN_BUFFER |
                       CL_DEVICE_SVM_FINE_GRAIN_SYSTEM | CL_DEVICE_SVM_ATOMICS);
    cl_bool images = CL_TRUE;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_IMAGE_SUPPORT, sizeof images, &images, nullptr), CL_SUCCESS);
    EXPECT_EQ(images, CL_FALSE);
    // The int64 atomics need ISA v3 (64-bit LDS atomics), which the
    // emulator and this tree's driver both have.
    std::string extensions = deviceString(device_, CL_DEVICE_EXTENSIONS);
    EXPECT_NE(extensions.find("cl_khr_local_int32_extended_atomics"), std::string::npos) << extensions;
    {
        EXPECT_NE(extensions.find("cl_khr_int64_base_atomics cl_khr_int64_extended_atomics"), std::string::npos)
            << extensions;
        std::size_t bytes = 0;
        ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_EXTENSIONS_WITH_VERSION, 0, nullptr, &bytes), CL_SUCCESS);
        std::vector<cl_name_version> list(bytes / sizeof(cl_name_version));
        ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_EXTENSIONS_WITH_VERSION, bytes, list.data(), nullptr),
                  CL_SUCCESS);
        std::size_t int64 = 0;
        for (const cl_name_version& nv : list)
            int64 += std::string(nv.name).starts_with("cl_khr_int64_");
        EXPECT_EQ(int64, 2u);
    }
    // The ISA keeps subnormals (docs/isa.rst): OpenCL calls that CL_FP_DENORM.
    cl_device_fp_config fp = 0;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, nullptr), CL_SUCCESS);
    EXPECT_EQ(fp, CL_FP_DENORM | CL_FP_INF_NAN | CL_FP_ROUND_TO_NEAREST | CL_FP_FMA);
    std::size_t maxGroup = 0;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof maxGroup, &maxGroup, nullptr),
              CL_SUCCESS);
    EXPECT_EQ(maxGroup, 256u);
    // No partition type: one 0, as OpenCL says.
    std::size_t partitionSize = 0;
    cl_device_partition_property partition = 7;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_PARTITION_PROPERTIES, sizeof partition, &partition, &partitionSize),
              CL_SUCCESS);
    EXPECT_EQ(partitionSize, sizeof partition);
    EXPECT_EQ(partition, 0);
    // A buffer too small for the value.
    cl_uint small = 0;
    EXPECT_EQ(clGetDeviceInfo(device_, CL_DEVICE_NAME, sizeof small, &small, nullptr), CL_INVALID_VALUE);
}

TEST_F(OpenclTest, SaxpyOverMallocMemory)
{
    const cl_uint n = 1000;
    auto* x = static_cast<float*>(std::malloc(n * sizeof(float)));
    auto* y = static_cast<float*>(std::malloc(n * sizeof(float)));
    for (cl_uint i = 0; i < n; i++) {
        x[i] = static_cast<float>(i);
        y[i] = static_cast<float>(2 * i);
    }
    runSaxpy(x, y, n, 3.0f);
    for (cl_uint i = 0; i < n; i++)
        ASSERT_EQ(y[i], static_cast<float>(5 * i)) << "at " << i;
    std::free(x);
    std::free(y);
}

TEST_F(OpenclTest, SaxpyOverSvmAlloc)
{
    const cl_uint n = 333;
    auto* x = static_cast<float*>(clSVMAlloc(context_, CL_MEM_READ_WRITE, n * sizeof(float), 0));
    auto* y = static_cast<float*>(clSVMAlloc(context_, CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER,
                                             n * sizeof(float), 256));
    ASSERT_NE(x, nullptr);
    ASSERT_NE(y, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(y) % 256, 0u);
    float one = 1.0f;
    ASSERT_EQ(clEnqueueSVMMemFill(queue_, y, &one, sizeof one, n * sizeof(float), 0, nullptr, nullptr), CL_SUCCESS);
    std::vector<float> host(n);
    for (cl_uint i = 0; i < n; i++)
        host[i] = static_cast<float>(i);
    ASSERT_EQ(clEnqueueSVMMemcpy(queue_, CL_TRUE, x, host.data(), n * sizeof(float), 0, nullptr, nullptr),
              CL_SUCCESS);
    runSaxpy(x, y, n, -2.0f);
    for (cl_uint i = 0; i < n; i++)
        ASSERT_EQ(y[i], 1.0f - 2.0f * static_cast<float>(i)) << "at " << i;
    clSVMFree(context_, x);
    clSVMFree(context_, y);
}

TEST_F(OpenclTest, UseHostPtrBufferIsTheApplicationsMemory)
{
    std::vector<cl_int> data(256, -1);
    cl_int err = CL_SUCCESS;
    cl_mem buffer = clCreateBuffer(context_, CL_MEM_USE_HOST_PTR, data.size() * sizeof(cl_int), data.data(), &err);
    ASSERT_EQ(err, CL_SUCCESS);
    void* hostPtr = nullptr;
    ASSERT_EQ(clGetMemObjectInfo(buffer, CL_MEM_HOST_PTR, sizeof hostPtr, &hostPtr, nullptr), CL_SUCCESS);
    EXPECT_EQ(hostPtr, data.data());
    cl_program program = build(kTwoKernels);
    cl_kernel k = kernel(program, "fill");
    cl_int base = 100;
    ASSERT_EQ(clSetKernelArg(k, 0, sizeof buffer, &buffer), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 1, sizeof base, &base), CL_SUCCESS);
    // No local size: the driver chooses one.
    std::size_t global = data.size();
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    // No read: the kernel wrote the application's array.
    for (std::size_t i = 0; i < data.size(); i++)
        ASSERT_EQ(data[i], 100 + static_cast<cl_int>(i));
    clReleaseKernel(k);
    clReleaseProgram(program);
    clReleaseMemObject(buffer);
}

TEST_F(OpenclTest, ReadAndWriteBuffers)
{
    std::vector<cl_int> initial(64, 5);
    cl_int err = CL_SUCCESS;
    cl_mem copied = clCreateBuffer(context_, CL_MEM_COPY_HOST_PTR, 64 * sizeof(cl_int), initial.data(), &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_mem allocated = clCreateBuffer(context_, CL_MEM_ALLOC_HOST_PTR, 64 * sizeof(cl_int), nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    std::vector<cl_int> out(64, 0);
    ASSERT_EQ(clEnqueueReadBuffer(queue_, copied, CL_TRUE, 0, out.size() * sizeof(cl_int), out.data(), 0, nullptr,
                                  nullptr),
              CL_SUCCESS);
    EXPECT_EQ(out, initial);
    std::vector<cl_int> values(16);
    for (int i = 0; i < 16; i++)
        values[i] = i * i;
    // Bytes 32..95 of the buffer.
    ASSERT_EQ(clEnqueueWriteBuffer(queue_, allocated, CL_TRUE, 32, values.size() * sizeof(cl_int), values.data(), 0,
                                   nullptr, nullptr),
              CL_SUCCESS);
    ASSERT_EQ(clEnqueueCopyBuffer(queue_, allocated, copied, 32, 0, 16 * sizeof(cl_int), 0, nullptr, nullptr),
              CL_SUCCESS);
    ASSERT_EQ(clEnqueueReadBuffer(queue_, copied, CL_TRUE, 0, out.size() * sizeof(cl_int), out.data(), 0, nullptr,
                                  nullptr),
              CL_SUCCESS);
    for (int i = 0; i < 64; i++)
        ASSERT_EQ(out[i], i < 16 ? i * i : 5) << "at " << i;
    clReleaseMemObject(copied);
    clReleaseMemObject(allocated);
}

TEST_F(OpenclTest, ProgramFromIlRunsLikeTheSource)
{
    cl_program fromSource = build(kTwoKernels);
    std::size_t size = 0;
    ASSERT_EQ(clGetProgramInfo(fromSource, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, nullptr), CL_SUCCESS);
    ASSERT_GT(size, 20u);
    std::vector<unsigned char> spirv(size);
    unsigned char* binaries[] = {spirv.data()};
    ASSERT_EQ(clGetProgramInfo(fromSource, CL_PROGRAM_BINARIES, sizeof binaries, binaries, nullptr), CL_SUCCESS);
    cl_int err = CL_SUCCESS;
    cl_program program = clCreateProgramWithIL(context_, spirv.data(), spirv.size(), &err);
    ASSERT_EQ(err, CL_SUCCESS);
    ASSERT_EQ(clBuildProgram(program, 0, nullptr, nullptr, nullptr, nullptr), CL_SUCCESS) << buildLog(program);
    char names[64] = {};
    ASSERT_EQ(clGetProgramInfo(program, CL_PROGRAM_KERNEL_NAMES, sizeof names, names, nullptr), CL_SUCCESS);
    EXPECT_STREQ(names, "fill;poke");
    cl_kernel k = kernel(program, "poke");
    cl_int target = 0;
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, &target), CL_SUCCESS);
    ASSERT_EQ(clEnqueueTask(queue_, k, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    EXPECT_EQ(target, 7);
    clReleaseKernel(k);
    clReleaseProgram(program);
    clReleaseProgram(fromSource);
}

TEST_F(OpenclTest, BuildErrorsAreInTheLog)
{
    cl_program program = build("kernel void broken(global int* p) { p[0] = undeclared; }", CL_BUILD_PROGRAM_FAILURE);
    EXPECT_NE(buildLog(program).find("undeclared"), std::string::npos) << buildLog(program);
    cl_build_status status = CL_BUILD_NONE;
    ASSERT_EQ(clGetProgramBuildInfo(program, device_, CL_PROGRAM_BUILD_STATUS, sizeof status, &status, nullptr),
              CL_SUCCESS);
    EXPECT_EQ(status, CL_BUILD_ERROR);
    cl_int err = CL_SUCCESS;
    EXPECT_EQ(clCreateKernel(program, "broken", &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_PROGRAM_EXECUTABLE);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, MisuseGivesTheSpecErrorCodes)
{
    cl_int err = CL_SUCCESS;
    // 1. A context without devices.
    EXPECT_EQ(clCreateContext(nullptr, 0, nullptr, nullptr, nullptr, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_VALUE);
    // 2. A buffer of no bytes.
    EXPECT_EQ(clCreateBuffer(context_, CL_MEM_READ_WRITE, 0, nullptr, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_BUFFER_SIZE);
    // 3. USE_HOST_PTR without a pointer.
    EXPECT_EQ(clCreateBuffer(context_, CL_MEM_USE_HOST_PTR, 16, nullptr, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_HOST_PTR);
    // 4. Contradicting flags.
    int host[4] = {};
    EXPECT_EQ(clCreateBuffer(context_, CL_MEM_USE_HOST_PTR | CL_MEM_COPY_HOST_PTR, sizeof host, host, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_VALUE);
    // 5. A queue where a context is expected (a wrong object type).
    EXPECT_EQ(clRetainContext(reinterpret_cast<cl_context>(queue_)), CL_INVALID_CONTEXT);
    EXPECT_EQ(clGetContextInfo(reinterpret_cast<cl_context>(queue_), CL_CONTEXT_NUM_DEVICES, 0, nullptr, nullptr),
              CL_INVALID_CONTEXT);

    cl_program program = build(kTwoKernels);
    // 6. An unknown kernel name, and no name.
    EXPECT_EQ(clCreateKernel(program, "no_such_kernel", &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_KERNEL_NAME);
    EXPECT_EQ(clCreateKernel(program, nullptr, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_VALUE);
    cl_kernel k = kernel(program, "fill");
    // 7. Building again while a kernel is attached.
    EXPECT_EQ(clBuildProgram(program, 0, nullptr, nullptr, nullptr, nullptr), CL_INVALID_OPERATION);
    // 8. Arguments: index, size, value, object.
    cl_int value = 1;
    EXPECT_EQ(clSetKernelArg(k, 2, sizeof value, &value), CL_INVALID_ARG_INDEX);
    EXPECT_EQ(clSetKernelArg(k, 1, 8, &value), CL_INVALID_ARG_SIZE);
    EXPECT_EQ(clSetKernelArg(k, 1, sizeof value, nullptr), CL_INVALID_ARG_VALUE);
    cl_mem notMem = reinterpret_cast<cl_mem>(queue_);
    EXPECT_EQ(clSetKernelArg(k, 0, sizeof notMem, &notMem), CL_INVALID_MEM_OBJECT);
    EXPECT_EQ(clSetKernelArgSVMPointer(k, 1, host), CL_INVALID_ARG_VALUE);
    // 9. A launch before every argument is set.
    std::size_t global = 16, local = 16;
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 0, nullptr, nullptr),
              CL_INVALID_KERNEL_ARGS);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, host), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 1, sizeof value, &value), CL_SUCCESS);
    // 10. Bad launch shapes.
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 0, nullptr, &global, &local, 0, nullptr, nullptr),
              CL_INVALID_WORK_DIMENSION);
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, nullptr, nullptr, 0, nullptr, nullptr),
              CL_INVALID_GLOBAL_WORK_SIZE);
    std::size_t uneven = 12;
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &uneven, 0, nullptr, nullptr),
              CL_INVALID_WORK_GROUP_SIZE);
    std::size_t tooMany[2] = {32, 16}, globals[2] = {32, 16};
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 2, nullptr, globals, tooMany, 0, nullptr, nullptr),
              CL_INVALID_WORK_GROUP_SIZE);
    // An offset that takes the last id past SIZE_MAX.
    std::size_t offset = SIZE_MAX - 8;
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, &offset, &global, &local, 0, nullptr, nullptr),
              CL_INVALID_GLOBAL_OFFSET);
    // 11. Wait lists.
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 1, nullptr, nullptr),
              CL_INVALID_EVENT_WAIT_LIST);
    EXPECT_EQ(clWaitForEvents(0, nullptr), CL_INVALID_VALUE);
    // 12. Reading past the end of a buffer, and into no memory.
    cl_mem buffer = clCreateBuffer(context_, CL_MEM_READ_WRITE, 64, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    char out[64];
    EXPECT_EQ(clEnqueueReadBuffer(queue_, buffer, CL_TRUE, 32, 64, out, 0, nullptr, nullptr), CL_INVALID_VALUE);
    EXPECT_EQ(clEnqueueReadBuffer(queue_, buffer, CL_TRUE, 0, 64, nullptr, 0, nullptr, nullptr), CL_INVALID_VALUE);
    // 13. Overlapping SVM copy, bad fill pattern.
    char bytes[64];
    EXPECT_EQ(clEnqueueSVMMemcpy(queue_, CL_TRUE, bytes, bytes + 8, 16, 0, nullptr, nullptr), CL_MEM_COPY_OVERLAP);
    EXPECT_EQ(clEnqueueSVMMemFill(queue_, bytes, bytes, 3, 9, 0, nullptr, nullptr), CL_INVALID_VALUE);
    // 14. Images are not supported.
    cl_image_format format{CL_RGBA, CL_UNORM_INT8};
    cl_image_desc desc{};
    desc.image_type = CL_MEM_OBJECT_IMAGE2D;
    desc.image_width = desc.image_height = 4;
    EXPECT_EQ(clCreateImage(context_, CL_MEM_READ_WRITE, &format, &desc, nullptr, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_OPERATION);
    // 15. Unknown queue property, unknown device query.
    cl_queue_properties bad[] = {0x7777, 1, 0};
    EXPECT_EQ(clCreateCommandQueueWithProperties(context_, device_, bad, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_VALUE);
    EXPECT_EQ(clGetDeviceInfo(device_, 0x7777, 0, nullptr, nullptr), CL_INVALID_VALUE);

    clReleaseMemObject(buffer);
    clReleaseKernel(k);
    // With no kernel attached, a second build is allowed.
    EXPECT_EQ(clBuildProgram(program, 0, nullptr, nullptr, nullptr, nullptr), CL_SUCCESS);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, WildPointerFailsTheEventAndTheContextGoesOn)
{
    cl_program program = build(kTwoKernels);
    cl_kernel k = kernel(program, "poke");
    // Page 16 of the address space: never mapped.
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, reinterpret_cast<void*>(std::uintptr_t{16} << 12)), CL_SUCCESS);
    cl_event failed = nullptr;
    ASSERT_EQ(clEnqueueTask(queue_, k, 0, nullptr, &failed), CL_SUCCESS);
    EXPECT_EQ(clWaitForEvents(1, &failed), CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
    cl_int status = CL_COMPLETE;
    ASSERT_EQ(clGetEventInfo(failed, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr), CL_SUCCESS);
    EXPECT_EQ(status, CL_OUT_OF_RESOURCES);
    cl_command_type type = 0;
    ASSERT_EQ(clGetEventInfo(failed, CL_EVENT_COMMAND_TYPE, sizeof type, &type, nullptr), CL_SUCCESS);
    EXPECT_EQ(type, static_cast<cl_command_type>(CL_COMMAND_TASK));
    // A blocking read that waits for the failed kernel reports it.
    cl_int err = CL_SUCCESS;
    cl_mem buffer = clCreateBuffer(context_, CL_MEM_READ_WRITE, 16, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    char out[16];
    EXPECT_EQ(clEnqueueReadBuffer(queue_, buffer, CL_TRUE, 0, 16, out, 1, &failed, nullptr),
              CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);

    // The next kernel, on the same queue, runs.
    cl_int target = 0;
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, &target), CL_SUCCESS);
    cl_event ok = nullptr;
    ASSERT_EQ(clEnqueueTask(queue_, k, 0, nullptr, &ok), CL_SUCCESS);
    EXPECT_EQ(clWaitForEvents(1, &ok), CL_SUCCESS);
    EXPECT_EQ(target, 7);
    clReleaseEvent(ok);
    clReleaseEvent(failed);
    clReleaseMemObject(buffer);
    clReleaseKernel(k);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, ReferenceCountsKeepObjectsAlive)
{
    cl_program program = build(kTwoKernels);
    cl_kernel k = kernel(program, "fill");
    // The kernel holds its program: releasing the application's reference
    // leaves the program usable through the kernel.
    ASSERT_EQ(clReleaseProgram(program), CL_SUCCESS);
    cl_program owner = nullptr;
    ASSERT_EQ(clGetKernelInfo(k, CL_KERNEL_PROGRAM, sizeof owner, &owner, nullptr), CL_SUCCESS);
    EXPECT_EQ(owner, program);
    cl_uint refs = 0;
    ASSERT_EQ(clGetProgramInfo(program, CL_PROGRAM_REFERENCE_COUNT, sizeof refs, &refs, nullptr), CL_SUCCESS);
    EXPECT_EQ(refs, 1u);
    ASSERT_EQ(clRetainKernel(k), CL_SUCCESS);
    ASSERT_EQ(clGetKernelInfo(k, CL_KERNEL_REFERENCE_COUNT, sizeof refs, &refs, nullptr), CL_SUCCESS);
    EXPECT_EQ(refs, 2u);
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
}

TEST_F(OpenclTest, KernelArgInfoFromTheSignature)
{
    cl_program program = build(kSaxpy);
    cl_kernel k = kernel(program, "saxpy");
    cl_uint args = 0;
    ASSERT_EQ(clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof args, &args, nullptr), CL_SUCCESS);
    EXPECT_EQ(args, 4u);
    char type[32] = {};
    ASSERT_EQ(clGetKernelArgInfo(k, 2, CL_KERNEL_ARG_TYPE_NAME, sizeof type, type, nullptr), CL_SUCCESS);
    EXPECT_STREQ(type, "float");
    EXPECT_EQ(clGetKernelArgInfo(k, 4, CL_KERNEL_ARG_TYPE_NAME, sizeof type, type, nullptr), CL_INVALID_ARG_INDEX);
    clReleaseKernel(k);
    clReleaseProgram(program);
}

// A program from OpenCL C answers clGetKernelArgInfo from the source's
// declarations (clang's metadata): address spaces, access, type names as
// written, qualifiers, and the names with -cl-kernel-arg-info only; the
// program cache keeps all of it.
TEST_F(OpenclTest, KernelArgInfoFromTheSource)
{
    const char* source = R"(
typedef uint count_t;
kernel void described(global const float4* restrict a, local int* b, constant uchar* c, count_t n,
                      volatile global long* v)
{
    if (n) v[0] = a[0].x + b[0] + c[0];
}
)";
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("vsvm-ocl-arginfo-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto cacheDir = std::make_unique<ScopedCacheDir>(dir.string());
    for (int round = 0; round < 2; round++) { // the second reads the cache
        SCOPED_TRACE(round ? "from the cache" : "compiled");
        cl_int err = CL_SUCCESS;
        cl_program program = clCreateProgramWithSource(context_, 1, &source, nullptr, &err);
        ASSERT_EQ(clBuildProgram(program, 1, &device_, "-cl-kernel-arg-info", nullptr, nullptr), CL_SUCCESS)
            << buildLog(program);
        cl_kernel k = kernel(program, "described");
        const cl_kernel_arg_address_qualifier spaces[] = {CL_KERNEL_ARG_ADDRESS_GLOBAL, CL_KERNEL_ARG_ADDRESS_LOCAL,
                                                          CL_KERNEL_ARG_ADDRESS_CONSTANT, CL_KERNEL_ARG_ADDRESS_PRIVATE,
                                                          CL_KERNEL_ARG_ADDRESS_GLOBAL};
        const char* types[] = {"float4*", "int*", "uchar*", "count_t", "long*"};
        const cl_kernel_arg_type_qualifier qualifiers[] = {CL_KERNEL_ARG_TYPE_CONST | CL_KERNEL_ARG_TYPE_RESTRICT,
                                                           CL_KERNEL_ARG_TYPE_NONE, CL_KERNEL_ARG_TYPE_CONST,
                                                           CL_KERNEL_ARG_TYPE_NONE, CL_KERNEL_ARG_TYPE_VOLATILE};
        const char* names[] = {"a", "b", "c", "n", "v"};
        for (cl_uint i = 0; i < 5; i++) {
            cl_kernel_arg_address_qualifier space = 0;
            ASSERT_EQ(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_ADDRESS_QUALIFIER, sizeof space, &space, nullptr),
                      CL_SUCCESS);
            EXPECT_EQ(space, spaces[i]) << "argument " << i;
            cl_kernel_arg_access_qualifier access = 0;
            ASSERT_EQ(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_ACCESS_QUALIFIER, sizeof access, &access, nullptr),
                      CL_SUCCESS);
            EXPECT_EQ(access, static_cast<cl_kernel_arg_access_qualifier>(CL_KERNEL_ARG_ACCESS_NONE));
            char text[64] = {};
            ASSERT_EQ(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_TYPE_NAME, sizeof text, text, nullptr), CL_SUCCESS);
            EXPECT_STREQ(text, types[i]);
            cl_kernel_arg_type_qualifier qualifier = 0;
            ASSERT_EQ(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_TYPE_QUALIFIER, sizeof qualifier, &qualifier, nullptr),
                      CL_SUCCESS);
            EXPECT_EQ(qualifier, qualifiers[i]) << "argument " << i;
            ASSERT_EQ(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_NAME, sizeof text, text, nullptr), CL_SUCCESS);
            EXPECT_STREQ(text, names[i]);
        }
        EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
        EXPECT_EQ(clReleaseProgram(program), CL_SUCCESS);
    }
    cacheDir.reset();
    fs::remove_all(dir);

    // Without -cl-kernel-arg-info the names are not available (the rest is).
    cl_program plain = build(source);
    cl_kernel k = kernel(plain, "described");
    char text[64] = {};
    EXPECT_EQ(clGetKernelArgInfo(k, 0, CL_KERNEL_ARG_NAME, sizeof text, text, nullptr), CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
    ASSERT_EQ(clGetKernelArgInfo(k, 3, CL_KERNEL_ARG_TYPE_NAME, sizeof text, text, nullptr), CL_SUCCESS);
    EXPECT_STREQ(text, "count_t");
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
    EXPECT_EQ(clReleaseProgram(plain), CL_SUCCESS);
}

TEST_F(OpenclTest, UserEventsAndCallbacks)
{
    cl_int err = CL_SUCCESS;
    cl_event user = clCreateUserEvent(context_, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_int seen = 1;
    auto callback = [](cl_event, cl_int status, void* data) { *static_cast<cl_int*>(data) = status; };
    ASSERT_EQ(clSetEventCallback(user, CL_COMPLETE, callback, &seen), CL_SUCCESS);
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(clSetUserEventStatus(user, CL_COMPLETE), CL_SUCCESS);
    EXPECT_EQ(seen, CL_COMPLETE);
    EXPECT_EQ(clSetUserEventStatus(user, CL_COMPLETE), CL_INVALID_OPERATION);
    EXPECT_EQ(clWaitForEvents(1, &user), CL_SUCCESS);
    clReleaseEvent(user);
}

cl_int eventStatus(cl_event event)
{
    cl_int status = 1;
    EXPECT_EQ(clGetEventInfo(event, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr), CL_SUCCESS);
    return status;
}

// A command that waits for a user event is deferred, and so is the command
// after it in the queue: neither runs (the memory is untouched) until the
// event is set; then both run in order, with their callbacks and profiling
// times. A failed user event fails the command that waits for it, not the
// next one.
TEST_F(OpenclTest, DeferredCommandsRunWhenTheirUserEventIsSet)
{
    cl_int err = CL_SUCCESS;
    cl_command_queue_properties props[] = {CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0};
    cl_command_queue queue = clCreateCommandQueueWithProperties(context_, device_, props, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_event user = clCreateUserEvent(context_, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    std::vector<int> data(256, 1);
    cl_mem buffer = clCreateBuffer(context_, CL_MEM_USE_HOST_PTR, data.size() * sizeof(int), data.data(), &err);
    ASSERT_EQ(err, CL_SUCCESS);
    int pattern = 7;
    cl_event fill = nullptr, launch = nullptr;
    ASSERT_EQ(clEnqueueFillBuffer(queue, buffer, &pattern, sizeof pattern, 0, 128 * sizeof(int), 1, &user, &fill),
              CL_SUCCESS);
    pattern = 9; // the pattern was copied at the enqueue
    cl_program program = build(kTwoKernels);
    cl_kernel k = kernel(program, "fill");
    int value = 100;
    ASSERT_EQ(clSetKernelArg(k, 0, sizeof buffer, &buffer), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 1, sizeof value, &value), CL_SUCCESS);
    std::size_t global = 64;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue, k, 1, nullptr, &global, nullptr, 0, nullptr, &launch), CL_SUCCESS);
    value = -1; // the launch keeps the arguments of its enqueue
    ASSERT_EQ(clSetKernelArg(k, 1, sizeof value, &value), CL_SUCCESS);
    cl_int kernelSeen = 1;
    auto callback = [](cl_event, cl_int status, void* seen) { *static_cast<cl_int*>(seen) = status; };
    ASSERT_EQ(clSetEventCallback(launch, CL_COMPLETE, callback, &kernelSeen), CL_SUCCESS);
    // A CL_RUNNING callback that enqueues on the same queue: its command
    // runs after the launch (in order), and nothing deadlocks.
    struct Follow {
        cl_command_queue queue;
        cl_mem buffer;
        int pattern = 5;
    } follow{queue, buffer};
    auto enqueueMore = [](cl_event, cl_int, void* data) {
        auto* f = static_cast<Follow*>(data);
        clEnqueueFillBuffer(f->queue, f->buffer, &f->pattern, sizeof f->pattern, 200 * sizeof(int), sizeof(int), 0,
                            nullptr, nullptr);
    };
    ASSERT_EQ(clSetEventCallback(launch, CL_RUNNING, enqueueMore, &follow), CL_SUCCESS);

    EXPECT_GT(eventStatus(fill), CL_COMPLETE);
    EXPECT_GT(eventStatus(launch), CL_COMPLETE);
    EXPECT_EQ(kernelSeen, 1);
    for (int v : data)
        ASSERT_EQ(v, 1) << "a deferred command ran before its event was set";

    ASSERT_EQ(clSetUserEventStatus(user, CL_COMPLETE), CL_SUCCESS);
    ASSERT_EQ(clWaitForEvents(1, &launch), CL_SUCCESS);
    EXPECT_EQ(eventStatus(fill), CL_COMPLETE);
    // A wait returns after the event's callbacks have run.
    EXPECT_EQ(kernelSeen, CL_COMPLETE);
    // The fill the callback enqueued runs on the device asynchronously.
    ASSERT_EQ(clFinish(queue), CL_SUCCESS);
    for (std::size_t i = 0; i < data.size(); i++) {
        // The fill ran first, the kernel after it over the first 64.
        int want = i < 64 ? 100 + static_cast<int>(i) : i < 128 ? 7 : i == 200 ? 5 : 1;
        ASSERT_EQ(data[i], want) << "at " << i;
    }
    cl_ulong times[4] = {};
    const cl_profiling_info names[] = {CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT,
                                       CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END};
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(clGetEventProfilingInfo(fill, names[i], sizeof times[i], &times[i], nullptr), CL_SUCCESS);
    EXPECT_LE(times[0], times[1]);
    EXPECT_LT(times[1], times[2]) << "the fill started only when the user event was set";
    EXPECT_LE(times[2], times[3]);

    // A failed user event: the command waiting for it fails, the next runs.
    cl_event bad = clCreateUserEvent(context_, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_event failed = nullptr, after = nullptr;
    pattern = 3;
    ASSERT_EQ(clEnqueueFillBuffer(queue, buffer, &pattern, sizeof pattern, 0, sizeof(int), 1, &bad, &failed),
              CL_SUCCESS);
    pattern = 4;
    ASSERT_EQ(clEnqueueFillBuffer(queue, buffer, &pattern, sizeof pattern, sizeof(int), sizeof(int), 0, nullptr,
                                  &after),
              CL_SUCCESS);
    EXPECT_GT(eventStatus(after), CL_COMPLETE);
    ASSERT_EQ(clSetUserEventStatus(bad, -42), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue), CL_SUCCESS);
    EXPECT_EQ(eventStatus(failed), CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
    EXPECT_EQ(eventStatus(after), CL_COMPLETE);
    EXPECT_EQ(data[0], 100);
    EXPECT_EQ(data[1], 4);

    for (cl_event e : {user, fill, launch, bad, failed, after})
        EXPECT_EQ(clReleaseEvent(e), CL_SUCCESS);
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
    EXPECT_EQ(clReleaseProgram(program), CL_SUCCESS);
    EXPECT_EQ(clReleaseMemObject(buffer), CL_SUCCESS);
    EXPECT_EQ(clReleaseCommandQueue(queue), CL_SUCCESS);
}

// A blocking read and clFinish wait for a deferred command whose user event
// another thread sets; the buffer it uses may be released before it runs.
TEST_F(OpenclTest, BlockingCallsWaitForDeferredCommands)
{
    cl_int err = CL_SUCCESS;
    cl_event user = clCreateUserEvent(context_, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_mem buffer = clCreateBuffer(context_, CL_MEM_READ_WRITE, 64, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    const char pattern = 'v';
    ASSERT_EQ(clEnqueueFillBuffer(queue_, buffer, &pattern, 1, 0, 64, 1, &user, nullptr), CL_SUCCESS);
    std::thread setter([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        EXPECT_EQ(clSetUserEventStatus(user, CL_COMPLETE), CL_SUCCESS);
    });
    char out[64] = {};
    EXPECT_EQ(clEnqueueReadBuffer(queue_, buffer, CL_TRUE, 0, sizeof out, out, 0, nullptr, nullptr), CL_SUCCESS);
    setter.join();
    EXPECT_EQ(std::string(out, sizeof out), std::string(64, 'v'));

    cl_event second = clCreateUserEvent(context_, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    const char other = 'w';
    ASSERT_EQ(clEnqueueFillBuffer(queue_, buffer, &other, 1, 0, 64, 1, &second, nullptr), CL_SUCCESS);
    cl_event read = nullptr;
    ASSERT_EQ(clEnqueueReadBuffer(queue_, buffer, CL_FALSE, 0, sizeof out, out, 0, nullptr, &read), CL_SUCCESS);
    EXPECT_EQ(clReleaseMemObject(buffer), CL_SUCCESS); // the commands keep it
    std::thread later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        EXPECT_EQ(clSetUserEventStatus(second, CL_COMPLETE), CL_SUCCESS);
    });
    EXPECT_EQ(clFinish(queue_), CL_SUCCESS);
    later.join();
    EXPECT_EQ(eventStatus(read), CL_COMPLETE);
    EXPECT_EQ(std::string(out, sizeof out), std::string(64, 'w'));
    for (cl_event e : {user, second, read})
        EXPECT_EQ(clReleaseEvent(e), CL_SUCCESS);
}

// The predefined macros follow what the device reports: OpenCL 3.0, no
// images.
TEST_F(OpenclTest, PredefinedMacrosFollowTheDevice)
{
    cl_program program = build(R"(
kernel void macros(global int* out)
{
#ifdef __OPENCL_VERSION__
    out[0] = __OPENCL_VERSION__;
#else
    out[0] = -1;
#endif
#ifdef __IMAGE_SUPPORT__
    out[1] = 1;
#else
    out[1] = 0;
#endif
}
)");
    cl_kernel k = kernel(program, "macros");
    int out[2] = {7, 7};
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out), CL_SUCCESS);
    ASSERT_EQ(clEnqueueTask(queue_, k, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    EXPECT_EQ(out[0], 300);
    EXPECT_EQ(out[1], 0);
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
    EXPECT_EQ(clReleaseProgram(program), CL_SUCCESS);
}

TEST_F(OpenclTest, ExtensionMacrosAreTheDevicesExtensions)
{
    // OpenCL C defines a macro for each extension and optional feature the
    // device has, and no other: a kernel's "#ifdef cl_khr_fp64" must not
    // take the double path on a device without doubles (clang defines
    // every extension for spir64 unless told).
    std::set<std::string> has;
    std::istringstream extensions(deviceString(device_, CL_DEVICE_EXTENSIONS));
    for (std::string name; extensions >> name;)
        has.insert(name);
    std::size_t bytes = 0;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_OPENCL_C_FEATURES, 0, nullptr, &bytes), CL_SUCCESS);
    std::vector<cl_name_version> features(bytes / sizeof(cl_name_version));
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_OPENCL_C_FEATURES, bytes, features.data(), nullptr), CL_SUCCESS);
    for (const cl_name_version& nv : features)
        has.insert(nv.name);
    EXPECT_TRUE(has.count("__opencl_c_int64"));
    const std::vector<std::string> known{
        "cl_khr_fp64", "cl_khr_fp16", "cl_khr_3d_image_writes", "cl_khr_byte_addressable_store",
        "cl_khr_global_int32_base_atomics", "cl_khr_global_int32_extended_atomics",
        "cl_khr_local_int32_base_atomics", "cl_khr_local_int32_extended_atomics", "cl_khr_int64_base_atomics",
        "cl_khr_int64_extended_atomics", "cl_khr_mipmap_image", "cl_khr_subgroups", "cl_khr_depth_images",
        "__opencl_c_int64", "__opencl_c_fp64", "__opencl_c_images", "__opencl_c_generic_address_space",
        "__opencl_c_program_scope_global_variables", "__opencl_c_atomic_order_seq_cst",
        "__opencl_c_atomic_scope_device", "__opencl_c_pipes", "__opencl_c_subgroups", "cl_khr_subgroup_ballot",
        "cl_khr_integer_dot_product", "cl_ext_float_atomics", "__opencl_c_read_write_images",
        "__opencl_c_atomic_scope_all_devices", "__opencl_c_ext_fp32_global_atomic_add"};
    std::string source = "kernel void macros(global int* out)\n{\n";
    for (std::size_t i = 0; i < known.size(); i++)
        source += "#ifdef " + known[i] + "\n    out[" + std::to_string(i) + "] = 1;\n#else\n    out[" +
                  std::to_string(i) + "] = 0;\n#endif\n";
    source += "}\n";
    for (const char* std : {"-cl-std=CL1.2", "-cl-std=CL3.0"}) {
        SCOPED_TRACE(std);
        cl_program program = build(source.c_str(), CL_SUCCESS, std);
        cl_kernel k = kernel(program, "macros");
        std::vector<int> out(known.size(), 7);
        ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
        ASSERT_EQ(clEnqueueTask(queue_, k, 0, nullptr, nullptr), CL_SUCCESS);
        ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
        for (std::size_t i = 0; i < known.size(); i++) {
            // OpenCL C 1.2 has no feature macros; clang defines those it is given.
            if (known[i].starts_with("__opencl_c_") && std::string(std) == "-cl-std=CL1.2")
                continue;
            // The one exception: clang-14 lets a kernel call vload_half and
            // vstore_half (core, half as a storage format) only with
            // cl_khr_fp16 on and its macro defined (HalfLoadsAndStores...).
            if (known[i] == "cl_khr_fp16") {
                EXPECT_EQ(out[i], 1) << known[i];
                continue;
            }
            EXPECT_EQ(out[i], has.count(known[i]) ? 1 : 0) << known[i];
        }
        EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
        EXPECT_EQ(clReleaseProgram(program), CL_SUCCESS);
    }
}

TEST_F(OpenclTest, DoubleConstantsAreSinglePrecisionWithoutFp64)
{
    // Without cl_khr_fp64 a double constant is a float (OpenCL C 6.1.1.1):
    // the kernel builds, where a double would be refused. (0.1 has no exact
    // float, so clang cannot make the double product a float one itself.)
    cl_program program = build(R"(
kernel void tenth(global float* x)
{
    x[get_global_id(0)] *= 0.1;
}
)");
    cl_kernel k = kernel(program, "tenth");
    float x[4] = {1, 2, 3, 4};
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, x), CL_SUCCESS);
    std::size_t global = 4;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(x[i], static_cast<float>(i + 1) * 0.1f) << i;
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
    EXPECT_EQ(clReleaseProgram(program), CL_SUCCESS);
}

TEST_F(OpenclTest, HalfLoadsAndStoresWithoutCl_khr_fp16)
{
    // half as a storage format is OpenCL C 1.2 core: vload_half and
    // vstore_half build although the device has no cl_khr_fp16 (clang-14
    // accepts the calls only with the extension on).
    cl_program program = build(R"(
kernel void halves(global const ushort* in, global float* out, global ushort* back)
{
    size_t i = get_global_id(0);
    float f = vload_half(i, (global const half*)in);
    out[i] = f;
    vstore_half(f * 2.0f, i, (global half*)back);
}
)");
    cl_kernel k = kernel(program, "halves");
    // 1.0, -2.5, 65504 (the largest half), 2^-24 (the smallest subnormal).
    std::uint16_t in[4] = {0x3c00, 0xc100, 0x7bff, 0x0001};
    float out[4] = {};
    std::uint16_t back[4] = {};
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, in), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 1, out), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 2, back), CL_SUCCESS);
    std::size_t global = 4;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], -2.5f);
    EXPECT_EQ(out[2], 65504.0f);
    EXPECT_EQ(out[3], 0x1p-24f);
    // 2, -5, infinity (2 * 65504 rounds past the largest half), 2^-23.
    EXPECT_EQ(back[0], 0x4000);
    EXPECT_EQ(back[1], 0xc500);
    EXPECT_EQ(back[2], 0x7c00);
    EXPECT_EQ(back[3], 0x0002);
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
    EXPECT_EQ(clReleaseProgram(program), CL_SUCCESS);
}

TEST_F(OpenclTest, ScalarArgumentsKeepTheirValues)
{
    cl_program program = build(R"(
kernel void scalars(global long* out, char c, short s, int i, uint u, long l, uchar uc, float f)
{
    out[0] = c; out[1] = s; out[2] = i; out[3] = u; out[4] = l; out[5] = uc; out[6] = (long)(f * 2.0f);
}
)");
    cl_kernel k = kernel(program, "scalars");
    std::vector<cl_long> out(7, 0);
    cl_char c = -5;
    cl_short sh = -300;
    cl_int i = -70000;
    cl_uint u = 4000000000u;
    cl_long l = -(cl_long{1} << 40);
    cl_uchar uc = 200;
    cl_float f = 10.5f;
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 1, sizeof c, &c), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 2, sizeof sh, &sh), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 3, sizeof i, &i), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 4, sizeof u, &u), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 5, sizeof l, &l), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 6, sizeof uc, &uc), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 7, sizeof f, &f), CL_SUCCESS);
    std::size_t one = 1;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &one, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    EXPECT_EQ(out, (std::vector<cl_long>{-5, -300, -70000, 4000000000ll, -(cl_long{1} << 40), 200, 21}));
    clReleaseKernel(k);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, TwoDimensionalLaunchWithoutLocalSize)
{
    cl_program program = build(R"(
kernel void grid(global int* out)
{
    size_t x = get_global_id(0), y = get_global_id(1);
    out[y * get_global_size(0) + x] = (int)(x * 100 + y);
}
)");
    cl_kernel k = kernel(program, "grid");
    const std::size_t w = 24, h = 10;
    std::vector<cl_int> out(w * h, -1);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
    std::size_t global[2] = {w, h};
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 2, nullptr, global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (std::size_t y = 0; y < h; y++)
        for (std::size_t x = 0; x < w; x++)
            ASSERT_EQ(out[y * w + x], static_cast<cl_int>(x * 100 + y)) << x << "," << y;
    clReleaseKernel(k);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, FillSubBufferMapAndProfiling)
{
    cl_int err = CL_SUCCESS;
    cl_queue_properties props[] = {CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0};
    cl_command_queue profiled = clCreateCommandQueueWithProperties(context_, device_, props, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_mem buffer = clCreateBuffer(context_, CL_MEM_READ_WRITE, 1024, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_int zero = 0, pattern = 0x01020304;
    ASSERT_EQ(clEnqueueFillBuffer(profiled, buffer, &zero, sizeof zero, 0, 1024, 0, nullptr, nullptr), CL_SUCCESS);
    cl_buffer_region region{128, 256};
    cl_mem sub = clCreateSubBuffer(buffer, 0, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_buffer_region misaligned{4, 16};
    EXPECT_EQ(clCreateSubBuffer(buffer, 0, CL_BUFFER_CREATE_TYPE_REGION, &misaligned, &err), nullptr);
    EXPECT_EQ(err, CL_MISALIGNED_SUB_BUFFER_OFFSET);
    cl_event filled = nullptr;
    ASSERT_EQ(clEnqueueFillBuffer(profiled, sub, &pattern, sizeof pattern, 0, 256, 0, nullptr, &filled), CL_SUCCESS);
    auto* mapped = static_cast<cl_int*>(
        clEnqueueMapBuffer(profiled, buffer, CL_TRUE, CL_MAP_READ, 0, 1024, 0, nullptr, nullptr, &err));
    ASSERT_EQ(err, CL_SUCCESS);
    for (int i = 0; i < 256; i++)
        ASSERT_EQ(mapped[i], i >= 32 && i < 96 ? pattern : 0) << "at " << i;
    cl_uint maps = 0;
    ASSERT_EQ(clGetMemObjectInfo(buffer, CL_MEM_MAP_COUNT, sizeof maps, &maps, nullptr), CL_SUCCESS);
    EXPECT_EQ(maps, 1u);
    ASSERT_EQ(clEnqueueUnmapMemObject(profiled, buffer, mapped, 0, nullptr, nullptr), CL_SUCCESS);
    cl_ulong times[4] = {};
    const cl_profiling_info which[4] = {CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT,
                                        CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END};
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(clGetEventProfilingInfo(filled, which[i], sizeof times[i], &times[i], nullptr), CL_SUCCESS);
    EXPECT_GT(times[0], 0u);
    EXPECT_LE(times[0], times[1]);
    EXPECT_LE(times[1], times[2]);
    EXPECT_LE(times[2], times[3]);
    // The default queue has no profiling.
    cl_event plain = nullptr;
    ASSERT_EQ(clEnqueueMarkerWithWaitList(queue_, 0, nullptr, &plain), CL_SUCCESS);
    EXPECT_EQ(clGetEventProfilingInfo(plain, CL_PROFILING_COMMAND_END, sizeof times[0], &times[0], nullptr),
              CL_PROFILING_INFO_NOT_AVAILABLE);
    clReleaseEvent(plain);
    clReleaseEvent(filled);
    clReleaseMemObject(sub);
    clReleaseMemObject(buffer);
    clReleaseCommandQueue(profiled);
}

TEST_F(OpenclTest, PrivateArraysGetTheirStacks)
{
    // An array indexed at run time lives in the private stack, the hidden
    // last argument the driver allocates per launch.
    cl_program program = build(R"(
kernel void priv(global int* out, int k)
{
    volatile int a[32];
    for (int i = 0; i < 32; i++)
        a[i] = i * k + (int)get_global_id(0);
    out[get_global_id(0)] = a[(get_global_id(0) * 7) % 32];
}
)");
    cl_kernel k = kernel(program, "priv");
    cl_uint args = 0;
    ASSERT_EQ(clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof args, &args, nullptr), CL_SUCCESS);
    EXPECT_EQ(args, 2u);
    cl_ulong privateBytes = 0;
    ASSERT_EQ(clGetKernelWorkGroupInfo(k, device_, CL_KERNEL_PRIVATE_MEM_SIZE, sizeof privateBytes, &privateBytes,
                                       nullptr),
              CL_SUCCESS);
    EXPECT_GE(privateBytes, 32u * sizeof(cl_int));
    std::vector<cl_int> out(128, -1);
    cl_int factor = 3;
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 1, sizeof factor, &factor), CL_SUCCESS);
    std::size_t global = out.size(), local = 32;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (int i = 0; i < 128; i++)
        ASSERT_EQ(out[i], ((i * 7) % 32) * 3 + i) << "at " << i;
    clReleaseKernel(k);
    clReleaseProgram(program);
}

// The launch block: global offsets and get_work_dim() reach the kernel.
TEST_F(OpenclTest, GlobalOffsetsIn1DAnd2D)
{
    cl_program program = build(R"(
kernel void ids(global ulong* out)
{
    size_t x = get_global_id(0) - get_global_offset(0), y = get_global_id(1) - get_global_offset(1);
    global ulong* item = out + 4 * (y * get_global_size(0) + x);
    item[0] = get_global_id(0);
    item[1] = get_global_id(1);
    item[2] = get_global_offset(0);
    item[3] = get_global_offset(1);
}
)");
    cl_kernel k = kernel(program, "ids");
    for (cl_uint dims : {1u, 2u}) {
        SCOPED_TRACE(dims);
        const std::size_t w = 48, h = dims == 2 ? 6 : 1;
        std::size_t global[2] = {w, h}, local[2] = {16, dims == 2 ? 2u : 1u};
        std::size_t offset[2] = {(std::size_t{1} << 33) + 5, dims == 2 ? 1000u : 0u};
        std::vector<cl_ulong> out(4 * w * h, 7);
        ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
        ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, dims, offset, global, local, 0, nullptr, nullptr), CL_SUCCESS);
        ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
        for (std::size_t y = 0; y < h; y++)
            for (std::size_t x = 0; x < w; x++) {
                const cl_ulong* item = &out[4 * (y * w + x)];
                ASSERT_EQ(item[0], offset[0] + x) << x << "," << y;
                ASSERT_EQ(item[1], offset[1] + y) << x << "," << y;
                ASSERT_EQ(item[2], offset[0]) << x << "," << y;
                ASSERT_EQ(item[3], offset[1]) << x << "," << y;
            }
    }
    // A NULL offset is 0 again, in the same kernel.
    std::vector<cl_ulong> out(4 * 16, 7);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
    std::size_t global = 16;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (std::size_t x = 0; x < 16; x++) {
        ASSERT_EQ(out[4 * x], x);
        ASSERT_EQ(out[4 * x + 2], 0u);
    }
    clReleaseKernel(k);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, WorkDimIsTheLaunchs)
{
    cl_program program = build(R"(
kernel void dims(global uint* out)
{
    out[get_global_id(2) * get_global_size(1) * get_global_size(0) + get_global_id(1) * get_global_size(0) +
        get_global_id(0)] = get_work_dim();
}
)");
    cl_kernel k = kernel(program, "dims");
    for (cl_uint dims : {1u, 2u, 3u}) {
        std::size_t global[3] = {8, 2, 2};
        std::vector<cl_uint> out(32, 99);
        ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
        ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, dims, nullptr, global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
        ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
        std::size_t items = dims == 1 ? 8 : dims == 2 ? 16 : 32;
        for (std::size_t i = 0; i < out.size(); i++)
            ASSERT_EQ(out[i], i < items ? dims : 99u) << dims << "-D, item " << i;
    }
    clReleaseKernel(k);
    clReleaseProgram(program);
}

// Runs @p source's kernel "k" over @p items work-items (its only argument
// an int per item for printf's return value) and returns what it printed.
std::string runPrintf(cl_command_queue queue, cl_program program, std::size_t items, std::vector<cl_int>& returned)
{
    cl_int err = CL_SUCCESS;
    cl_kernel k = clCreateKernel(program, "k", &err);
    EXPECT_EQ(err, CL_SUCCESS);
    returned.assign(items, 99);
    EXPECT_EQ(clSetKernelArgSVMPointer(k, 0, returned.data()), CL_SUCCESS);
    testing::internal::CaptureStdout();
    EXPECT_EQ(clEnqueueNDRangeKernel(queue, k, 1, nullptr, &items, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    EXPECT_EQ(clFinish(queue), CL_SUCCESS);
    std::string out = testing::internal::GetCapturedStdout();
    clReleaseKernel(k);
    return out;
}

std::vector<std::string> sortedLines(const std::string& text)
{
    std::vector<std::string> lines;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos)
            end = text.size();
        lines.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

TEST_F(OpenclTest, PrintfBufferSizeIsTheOneALaunchGets)
{
    std::size_t size = 0;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_PRINTF_BUFFER_SIZE, sizeof size, &size, nullptr), CL_SUCCESS);
    EXPECT_EQ(size, std::size_t{1} << 20); // OpenCL's minimum for the full profile
}

// One printf per case, from one work-item, against what the host's printf gives.
TEST_F(OpenclTest, PrintfFormatsLikeC)
{
    struct Case {
        const char* call;
        std::string expected;
    } cases[] = {
        {R"(printf("%d %i %u\n", -5, 42, 4000000000u))", "-5 42 4000000000\n"},
        {R"(printf("%hhd %hd %ld %lu\n", (char)-3, (short)-300, -5000000000l, 18000000000000000000ul))",
         "-3 -300 -5000000000 18000000000000000000\n"},
        {R"(printf("%hhx %hx %x %lX %o %#x\n", (uchar)0xab, (ushort)0xbeef, 0xdeadbeefu, 0x123456789abcdefUL, 8, 255))",
         "ab beef deadbeef 123456789ABCDEF 10 0xff\n"},
        {R"(printf("[%5d] [%-5d] [%05d] [%+d]\n", 42, 42, 42, 42))", "[   42] [42   ] [00042] [+42]\n"},
        {R"(printf("%c%c%c\n", 'a', 'b', (char)'c'))", "abc\n"},
        {R"(printf("%s, %s!\n", "hello", "world"))", "hello, world!\n"},
        {R"(printf("[%10s] [%.3s]\n", "right", "truncated"))", "[     right] [tru]\n"},
        {R"(printf("%f %.2f %e %.3E %g %G\n", 1.5f, 3.14159f, 1234.5f, 0.00012f, 100000.0f, 1e-10f))", ""},
        {R"(printf("%a %A\n", 1.0f, 0.5f))", ""},
        {R"(printf("%v4d\n", (int4)(1, -2, 3, -4)))", "1,-2,3,-4\n"},
        {R"(printf("%v2hlf|%v3hld\n", (float2)(1.5f, -2.25f), (int3)(7, 8, 9)))", "1.500000,-2.250000|7,8,9\n"},
        {R"(printf("%#v8hhx\n", (uchar8)(0, 1, 2, 3, 0xfc, 0xfd, 0xfe, 0xff)))", "0,0x1,0x2,0x3,0xfc,0xfd,0xfe,0xff\n"},
        {R"(printf("%v2ld %v4hu\n", (long2)(-1, 1l << 40), (ushort4)(1, 2, 65535, 0)))", "-1,1099511627776 1,2,65535,0\n"},
        {R"(printf("%2.2v4hlf|%+v2ld\n", (float4)(1, 2, 3, 4), (long2)(5, -6)))", "1.00,2.00,3.00,4.00|+5,-6\n"},
        {R"(printf("100%% %s\n", get_global_id(0) == 0 ? "yes" : "no"))", "100% yes\n"},
        {R"(printf("no arguments\n"))", "no arguments\n"},
        // Double constants are floats without cl_khr_fp64: float arithmetic.
        {R"(printf("%.2f\n", (float)(get_global_id(0) + 3) * 0.5 + 0.25))", "1.75\n"},
    };
    char buf[256];
    std::snprintf(buf, sizeof buf, "%f %.2f %e %.3E %g %G\n", 1.5, static_cast<double>(3.14159f),
                  1234.5, static_cast<double>(0.00012f), 100000.0, static_cast<double>(1e-10f));
    cases[7].expected = buf;
    std::snprintf(buf, sizeof buf, "%a %A\n", 1.0, 0.5);
    cases[8].expected = buf;
    for (const Case& c : cases) {
        std::string source = std::string("kernel void k(global int* r) { r[get_global_id(0)] = ") + c.call + "; }\n";
        cl_program program = build(source.c_str());
        std::vector<cl_int> returned;
        EXPECT_EQ(runPrintf(queue_, program, 1, returned), c.expected) << c.call;
        EXPECT_EQ(returned[0], 0) << c.call;
        clReleaseProgram(program);
    }
}

// Every work-item prints its own line once; their order is not specified.
TEST_F(OpenclTest, PrintfFromManyWorkItems)
{
    cl_program program = build(R"(
kernel void k(global int* r)
{
    size_t i = get_global_id(0);
    if (i % 3 == 0)
        r[i] = printf("item %u of %u\n", (uint)i, (uint)get_global_size(0));
    else
        r[i] = printf("item %u: %v2d\n", (uint)i, (int2)((int)i, -(int)i));
}
)");
    std::vector<cl_int> returned;
    const std::size_t items = 1000;
    std::vector<std::string> lines = sortedLines(runPrintf(queue_, program, items, returned));
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < items; i++) {
        EXPECT_EQ(returned[i], 0) << i;
        std::string n = std::to_string(i);
        expected.push_back(i % 3 == 0 ? "item " + n + " of 1000" : "item " + n + ": " + n + ",-" + n);
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(lines, expected);
    clReleaseProgram(program);
}

// More records than the buffer holds: the calls that do not fit return -1
// and print nothing, the others print whole lines.
TEST_F(OpenclTest, PrintfBufferOverflowDropsWholeRecords)
{
    cl_program program = build(R"(
kernel void k(global int* r)
{
    long i = get_global_id(0);
    r[i] = printf("%v16ld\n", (long16)(i));
}
)");
    // A record: a header word and 16 words of components.
    const std::size_t record = 8 * 17, fit = ((std::size_t{1} << 20) - 32) / record, items = fit + 500;
    std::vector<cl_int> returned;
    std::vector<std::string> lines = sortedLines(runPrintf(queue_, program, items, returned));
    std::size_t ok = 0, lost = 0;
    for (cl_int r : returned) {
        ok += r == 0;
        lost += r == -1;
    }
    EXPECT_EQ(ok, fit);
    EXPECT_EQ(lost, items - fit);
    ASSERT_EQ(lines.size(), fit);
    std::set<std::string> distinct(lines.begin(), lines.end());
    EXPECT_EQ(distinct.size(), fit);
    for (const std::string& line : lines) {
        long first = std::atol(line.c_str());
        std::string whole;
        for (int c = 0; c < 16; c++)
            whole += (c ? "," : "") + std::to_string(first);
        ASSERT_EQ(line, whole);
    }
    clReleaseProgram(program);
}

TEST_F(OpenclTest, FortyIntArguments)
{
    std::size_t maxBytes = 0;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_MAX_PARAMETER_SIZE, sizeof maxBytes, &maxBytes, nullptr), CL_SUCCESS);
    EXPECT_EQ(maxBytes, 1024u);
    std::string params = "global int* out", sum = "0";
    for (int i = 0; i < 40; i++) {
        params += ", int a" + std::to_string(i);
        sum += " + a" + std::to_string(i);
    }
    std::string source = "kernel void many(" + params + ", float4 v)\n{\n    out[get_global_id(0)] = " + sum +
                         " + (int)(v.x + 2.0f * v.y + 4.0f * v.z + 8.0f * v.w);\n}\n";
    cl_program program = build(source.c_str());
    cl_kernel k = kernel(program, "many");
    cl_uint args = 0;
    ASSERT_EQ(clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof args, &args, nullptr), CL_SUCCESS);
    EXPECT_EQ(args, 42u);
    std::vector<cl_int> out(64, 0);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
    cl_int expected = 0;
    for (cl_uint i = 0; i < 40; i++) {
        cl_int a = static_cast<cl_int>(i * 7919 % 201) - 100;
        expected += a;
        ASSERT_EQ(clSetKernelArg(k, 1 + i, sizeof a, &a), CL_SUCCESS);
    }
    // The argument checks are the same for arguments in the block.
    cl_long tooWide = 0;
    EXPECT_EQ(clSetKernelArg(k, 39, sizeof tooWide, &tooWide), CL_INVALID_ARG_SIZE);
    EXPECT_EQ(clSetKernelArg(k, 41, sizeof(cl_float2), &tooWide), CL_INVALID_ARG_SIZE);
    cl_float4 v = {{1.0f, -2.0f, 3.0f, 100.0f}};
    expected += 1 - 4 + 12 + 800;
    ASSERT_EQ(clSetKernelArg(k, 41, sizeof v, &v), CL_SUCCESS);
    std::size_t global = out.size(), offset = 3;
    std::vector<cl_int> shifted(out.size() + offset, 0);
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (std::size_t i = 0; i < out.size(); i++)
        ASSERT_EQ(out[i], expected) << i;
    // The block is per enqueue: another out and an offset, the same sums.
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, shifted.data()), CL_SUCCESS);
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, &offset, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (std::size_t i = 0; i < shifted.size(); i++)
        ASSERT_EQ(shifted[i], i < offset ? 0 : expected) << i;
    clReleaseKernel(k);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, PrivateStacksWithAnOffset)
{
    // The private stack (an array indexed at run time) and the launch block
    // together, the ids shifted by the offset.
    cl_program program = build(R"(
kernel void priv(global int* out, int k)
{
    volatile int a[32];
    size_t i = get_global_id(0) - get_global_offset(0);
    for (int j = 0; j < 32; j++)
        a[j] = j * k + (int)get_global_id(0);
    out[i] = a[(i * 7) % 32];
}
)");
    cl_kernel k = kernel(program, "priv");
    std::vector<cl_int> out(128, -1);
    cl_int factor = 3;
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, out.data()), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 1, sizeof factor, &factor), CL_SUCCESS);
    std::size_t global = out.size(), local = 32, offset = 1000;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, &offset, &global, &local, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (int i = 0; i < 128; i++)
        ASSERT_EQ(out[i], ((i * 7) % 32) * 3 + i + 1000) << "at " << i;
    clReleaseKernel(k);
    clReleaseProgram(program);
}

// VSVM_OPENCL_CACHE_DIR: a second build of the same source and options
// reads the entry the first wrote, and runs the same; another source, other
// options, a source with #include and an entry of another key are each built
// anew.
TEST_F(OpenclTest, ProgramCacheKeepsOneEntryPerSourceAndOptions)
{
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("vsvm-ocl-cache-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    // Declared before the cache directory's setting: removed after it ends.
    struct Remove {
        fs::path dir;
        ~Remove() { fs::remove_all(dir); }
    } remove{dir};
    ScopedCacheDir cacheDir(dir.string());
    auto entries = [&] {
        std::vector<fs::path> found;
        if (fs::exists(dir))
            for (const fs::directory_entry& e : fs::directory_iterator(dir))
                found.push_back(e.path());
        return found;
    };
    auto buildWith = [&](const char* source, const char* options) {
        cl_int err = CL_SUCCESS;
        cl_program program = clCreateProgramWithSource(context_, 1, &source, nullptr, &err);
        EXPECT_EQ(err, CL_SUCCESS);
        EXPECT_EQ(clBuildProgram(program, 1, &device_, options, nullptr, nullptr), CL_SUCCESS) << buildLog(program);
        return program;
    };
    auto fillWith = [&](cl_program program, int value) {
        cl_kernel k = kernel(program, "fill");
        std::vector<int> out(64, 0);
        int* data = out.data();
        EXPECT_EQ(clSetKernelArgSVMPointer(k, 0, data), CL_SUCCESS);
        EXPECT_EQ(clSetKernelArg(k, 1, sizeof value, &value), CL_SUCCESS);
        std::size_t global = out.size();
        EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
        EXPECT_EQ(clFinish(queue_), CL_SUCCESS);
        EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
        return out;
    };
    auto filled = [](int value) { // what fill writes: value + its index
        std::vector<int> out(64);
        for (std::size_t i = 0; i < out.size(); i++)
            out[i] = value + static_cast<int>(i);
        return out;
    };

    cl_program first = buildWith(kTwoKernels, "");
    ASSERT_EQ(entries().size(), 1u);
    const fs::path entry = entries()[0];
    const auto written = fs::last_write_time(entry);
    cl_program second = buildWith(kTwoKernels, "");
    EXPECT_EQ(entries().size(), 1u);
    EXPECT_EQ(fs::last_write_time(entry), written) << "a hit must not write the entry again";
    EXPECT_EQ(fillWith(second, 7), filled(7));
    EXPECT_EQ(fillWith(first, 7), filled(7));
    EXPECT_EQ(clReleaseProgram(first), CL_SUCCESS);
    EXPECT_EQ(clReleaseProgram(second), CL_SUCCESS);

    // Other options: another entry.
    EXPECT_EQ(clReleaseProgram(buildWith(kTwoKernels, "-DUNUSED=1")), CL_SUCCESS);
    EXPECT_EQ(entries().size(), 2u);
    // An include is never cached.
    const std::string included = std::string("#include <opencl-c.h>\n") + kTwoKernels;
    EXPECT_EQ(clReleaseProgram(buildWith(included.c_str(), "")), CL_SUCCESS);
    EXPECT_EQ(entries().size(), 2u);

    // An entry whose stored key is not the build's (a hash collision, or
    // garbage) is ignored and replaced.
    { std::ofstream(entry, std::ios::binary | std::ios::trunc) << "5\nwrong0\n"; }
    cl_program rebuilt = buildWith(kTwoKernels, "");
    EXPECT_EQ(fillWith(rebuilt, -3), filled(-3));
    EXPECT_GT(fs::file_size(entry), 100u);
    EXPECT_EQ(clReleaseProgram(rebuilt), CL_SUCCESS);
}

// clCompileProgram with a header given as a program, clLinkProgram of two
// objects (one calls a function the other defines) into a library and into
// an executable that runs, and the link errors.
TEST_F(OpenclTest, CompileAndLinkSeparateObjects)
{
    auto fromSource = [&](const char* source) {
        cl_int err = CL_SUCCESS;
        cl_program program = clCreateProgramWithSource(context_, 1, &source, nullptr, &err);
        EXPECT_EQ(err, CL_SUCCESS);
        return program;
    };
    cl_program header = fromSource("typedef int number_t;\nnumber_t scaled(number_t x);\n");
    cl_program functions = fromSource("#include \"lib/number.h\"\nnumber_t scaled(number_t x) { return x * 3 + 1; }\n");
    cl_program kernels = fromSource("#include \"lib/number.h\"\n"
                                    "kernel void apply(global number_t* v) { size_t i = get_global_id(0); "
                                    "v[i] = scaled(v[i]) + (number_t)sqrt((float)(i * i)); }\n");
    const char* names[] = {"lib/number.h"};
    EXPECT_EQ(clCompileProgram(functions, 1, &device_, "", 1, &header, names, nullptr, nullptr), CL_SUCCESS)
        << buildLog(functions);
    EXPECT_EQ(clCompileProgram(kernels, 1, &device_, "", 1, &header, names, nullptr, nullptr), CL_SUCCESS)
        << buildLog(kernels);
    cl_program_binary_type type = 0;
    ASSERT_EQ(clGetProgramBuildInfo(kernels, device_, CL_PROGRAM_BINARY_TYPE, sizeof type, &type, nullptr),
              CL_SUCCESS);
    EXPECT_EQ(type, static_cast<cl_program_binary_type>(CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT));
    // A header name that leaves the directory, and headers without names.
    const char* escaping[] = {"../number.h"};
    EXPECT_EQ(clCompileProgram(kernels, 1, &device_, "", 1, &header, escaping, nullptr, nullptr),
              CL_COMPILE_PROGRAM_FAILURE);
    EXPECT_EQ(clCompileProgram(kernels, 1, &device_, "", 1, &header, nullptr, nullptr, nullptr), CL_INVALID_VALUE);
    EXPECT_EQ(clCompileProgram(kernels, 1, &device_, "-frob", 0, nullptr, nullptr, nullptr, nullptr),
              CL_INVALID_COMPILER_OPTIONS);
    ASSERT_EQ(clCompileProgram(kernels, 1, &device_, "", 1, &header, names, nullptr, nullptr), CL_SUCCESS);

    cl_int err = CL_SUCCESS;
    cl_program objects[] = {functions, kernels};
    cl_program library = clLinkProgram(context_, 1, &device_, "-create-library", 1, objects, nullptr, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    ASSERT_EQ(clGetProgramBuildInfo(library, device_, CL_PROGRAM_BINARY_TYPE, sizeof type, &type, nullptr),
              CL_SUCCESS);
    EXPECT_EQ(type, static_cast<cl_program_binary_type>(CL_PROGRAM_BINARY_TYPE_LIBRARY));
    // The library in place of the object it holds.
    cl_program withLibrary[] = {library, kernels};
    cl_program linked = clLinkProgram(context_, 1, &device_, "", 2, withLibrary, nullptr, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS) << buildLog(linked);
    ASSERT_EQ(clGetProgramBuildInfo(linked, device_, CL_PROGRAM_BINARY_TYPE, sizeof type, &type, nullptr),
              CL_SUCCESS);
    EXPECT_EQ(type, static_cast<cl_program_binary_type>(CL_PROGRAM_BINARY_TYPE_EXECUTABLE));
    cl_kernel k = kernel(linked, "apply");
    std::vector<int> v(32);
    for (std::size_t i = 0; i < v.size(); i++)
        v[i] = static_cast<int>(i) - 5;
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, v.data()), CL_SUCCESS);
    std::size_t global = v.size();
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (std::size_t i = 0; i < v.size(); i++)
        EXPECT_EQ(v[i], (static_cast<int>(i) - 5) * 3 + 1 + static_cast<int>(i)) << "at " << i;
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);

    // The kernel object alone: scaled() is undefined.
    cl_program alone = clLinkProgram(context_, 1, &device_, "", 1, &objects[1], nullptr, nullptr, &err);
    EXPECT_EQ(err, CL_LINK_PROGRAM_FAILURE);
    EXPECT_NE(buildLog(alone).find("scaled"), std::string::npos) << buildLog(alone);
    // scaled() defined twice.
    cl_program twice[] = {functions, library, kernels};
    cl_program duplicate = clLinkProgram(context_, 1, &device_, "", 3, twice, nullptr, nullptr, &err);
    EXPECT_EQ(err, CL_LINK_PROGRAM_FAILURE);
    // ... and by two objects.
    cl_program other = fromSource("int scaled(int x) { return x; }\nkernel void unused(void) {}\n");
    ASSERT_EQ(clCompileProgram(other, 1, &device_, "", 0, nullptr, nullptr, nullptr, nullptr), CL_SUCCESS);
    cl_program clash[] = {functions, other};
    cl_program clashing = clLinkProgram(context_, 1, &device_, "", 2, clash, nullptr, nullptr, &err);
    EXPECT_EQ(err, CL_LINK_PROGRAM_FAILURE) << buildLog(clashing);
    // An executable is not an input; no inputs; unknown options.
    cl_program executable[] = {linked};
    EXPECT_EQ(clLinkProgram(context_, 1, &device_, "", 1, executable, nullptr, nullptr, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_OPERATION);
    EXPECT_EQ(clLinkProgram(context_, 1, &device_, "", 0, nullptr, nullptr, nullptr, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_VALUE);
    EXPECT_EQ(clLinkProgram(context_, 1, &device_, "-frob", 2, objects, nullptr, nullptr, &err), nullptr);
    EXPECT_EQ(err, CL_INVALID_LINKER_OPTIONS);

    for (cl_program p : {header, functions, kernels, library, linked, alone, duplicate, other, clashing})
        EXPECT_EQ(clReleaseProgram(p), CL_SUCCESS);
}

TEST_F(OpenclTest, RectangularReadWriteAndCopy)
{
    // A 16x8 byte image in a buffer; a 4x3 block written at (2, 1), copied
    // to (10, 4), read back into a host array of another pitch.
    cl_int err = CL_SUCCESS;
    cl_mem buffer = clCreateBuffer(context_, CL_MEM_READ_WRITE, 16 * 8, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    unsigned char zero = 0;
    ASSERT_EQ(clEnqueueFillBuffer(queue_, buffer, &zero, 1, 0, 16 * 8, 0, nullptr, nullptr), CL_SUCCESS);
    unsigned char block[3][4];
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 4; x++)
            block[y][x] = static_cast<unsigned char>(1 + y * 4 + x);
    const size_t origin[3] = {2, 1, 0}, hostOrigin[3] = {0, 0, 0}, region[3] = {4, 3, 1};
    ASSERT_EQ(clEnqueueWriteBufferRect(queue_, buffer, CL_TRUE, origin, hostOrigin, region, 16, 0, 4, 0, block, 0,
                                       nullptr, nullptr),
              CL_SUCCESS);
    const size_t to[3] = {10, 4, 0};
    ASSERT_EQ(clEnqueueCopyBufferRect(queue_, buffer, buffer, origin, to, region, 16, 0, 16, 0, 0, nullptr, nullptr),
              CL_SUCCESS);
    const size_t overlapping[3] = {3, 2, 0};
    EXPECT_EQ(clEnqueueCopyBufferRect(queue_, buffer, buffer, origin, overlapping, region, 16, 0, 16, 0, 0, nullptr,
                                      nullptr),
              CL_MEM_COPY_OVERLAP);
    unsigned char image[8][16];
    ASSERT_EQ(clEnqueueReadBuffer(queue_, buffer, CL_TRUE, 0, sizeof image, image, 0, nullptr, nullptr), CL_SUCCESS);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 16; x++) {
            int expected = 0;
            if (y >= 1 && y < 4 && x >= 2 && x < 6)
                expected = 1 + (y - 1) * 4 + (x - 2);
            if (y >= 4 && y < 7 && x >= 10 && x < 14)
                expected = 1 + (y - 4) * 4 + (x - 10);
            ASSERT_EQ(image[y][x], expected) << x << "," << y;
        }
    // Read the copy into a host array with rows of 6 bytes, at (1, 1).
    unsigned char host[5][6] = {};
    const size_t at[3] = {1, 1, 0};
    ASSERT_EQ(clEnqueueReadBufferRect(queue_, buffer, CL_TRUE, to, at, region, 16, 0, 6, 0, host, 0, nullptr, nullptr),
              CL_SUCCESS);
    EXPECT_EQ(host[1][1], 1);
    EXPECT_EQ(host[3][4], 12);
    EXPECT_EQ(host[0][0], 0);
    // A region past the end of the buffer.
    const size_t tooLow[3] = {0, 6, 0};
    EXPECT_EQ(clEnqueueReadBufferRect(queue_, buffer, CL_TRUE, tooLow, hostOrigin, region, 16, 0, 4, 0, block, 0,
                                      nullptr, nullptr),
              CL_INVALID_VALUE);
    clReleaseMemObject(buffer);
}

constexpr const char* kLocals = R"(
kernel void locals(global const int* in, local int* a, global int* out, local int* b, constant int* bias)
{
    local int own[16];
    int l = get_local_id(0), n = get_local_size(0), i = get_global_id(0);
    a[l] = in[i];
    b[l] = 3 * in[i];
    if (l < 16)
        own[l] = 1000 * (l + 1);
    barrier(CLK_LOCAL_MEM_FENCE);
    out[i] = a[n - 1 - l] + b[(l + 1) % n] + own[l % 16] + bias[l % 4];
}
)";

TEST_F(OpenclTest, LocalArgumentsTakeASizeAndNoValue)
{
    cl_program program = build(kLocals);
    cl_kernel k = kernel(program, "locals");
    cl_kernel_arg_address_qualifier q = 0;
    const cl_kernel_arg_address_qualifier expected[] = {CL_KERNEL_ARG_ADDRESS_GLOBAL, CL_KERNEL_ARG_ADDRESS_LOCAL,
                                                        CL_KERNEL_ARG_ADDRESS_GLOBAL, CL_KERNEL_ARG_ADDRESS_LOCAL,
                                                        CL_KERNEL_ARG_ADDRESS_CONSTANT};
    for (cl_uint i = 0; i < 5; i++) {
        ASSERT_EQ(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_ADDRESS_QUALIFIER, sizeof q, &q, nullptr), CL_SUCCESS);
        EXPECT_EQ(q, expected[i]) << "argument " << i;
    }
    cl_ulong localBytes = 0;
    ASSERT_EQ(clGetKernelWorkGroupInfo(k, device_, CL_KERNEL_LOCAL_MEM_SIZE, sizeof localBytes, &localBytes, nullptr),
              CL_SUCCESS);
    EXPECT_EQ(localBytes, 64u); // own[] only: the __local arguments are not set yet

    int dummy = 0;
    cl_mem mem = clCreateBuffer(context_, CL_MEM_READ_WRITE, 64, nullptr, nullptr);
    EXPECT_EQ(clSetKernelArg(k, 1, sizeof dummy, &dummy), CL_INVALID_ARG_VALUE);
    EXPECT_EQ(clSetKernelArg(k, 1, sizeof mem, &mem), CL_INVALID_ARG_VALUE);
    EXPECT_EQ(clSetKernelArg(k, 1, 0, nullptr), CL_INVALID_ARG_SIZE);
    EXPECT_EQ(clSetKernelArgSVMPointer(k, 1, &dummy), CL_INVALID_ARG_VALUE);
    EXPECT_EQ(clSetKernelArgSVMPointer(k, 4, &dummy), CL_SUCCESS); // __constant: an address

    std::vector<cl_int> in(64, 1), out(64, 0);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, in.data()), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 2, out.data()), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 1, 64 * sizeof(cl_int), nullptr), CL_SUCCESS);
    std::size_t global = 64, local = 64;
    // b is not set.
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 0, nullptr, nullptr),
              CL_INVALID_KERNEL_ARGS);
    ASSERT_EQ(clSetKernelArg(k, 3, 100, nullptr), CL_SUCCESS);
    ASSERT_EQ(clGetKernelWorkGroupInfo(k, device_, CL_KERNEL_LOCAL_MEM_SIZE, sizeof localBytes, &localBytes, nullptr),
              CL_SUCCESS);
    // own[], then a and b, each at a multiple of 128.
    EXPECT_EQ(localBytes, 128u + 256u + 100u);

    // More than the device's local memory: the launch is refused.
    cl_ulong deviceLocal = 0;
    ASSERT_EQ(clGetDeviceInfo(device_, CL_DEVICE_LOCAL_MEM_SIZE, sizeof deviceLocal, &deviceLocal, nullptr),
              CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 3, deviceLocal - 256, nullptr), CL_SUCCESS);
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 0, nullptr, nullptr),
              CL_OUT_OF_RESOURCES);
    // Exactly all of it is fine.
    ASSERT_EQ(clSetKernelArg(k, 3, deviceLocal - 384, nullptr), CL_SUCCESS);
    std::vector<cl_int> bias(4, 0);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 4, bias.data()), CL_SUCCESS);
    EXPECT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    EXPECT_EQ(out[5], 1 + 3 + 6000);
    clReleaseMemObject(mem);
    clReleaseKernel(k);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, TwoLocalArgumentsAndAStaticLocalArrayDoNotOverlap)
{
    cl_program program = build(kLocals);
    cl_kernel k = kernel(program, "locals");
    const std::size_t lanes = 48, groups = 4;
    std::vector<cl_int> in(lanes * groups), out(in.size(), -1);
    for (std::size_t i = 0; i < in.size(); i++)
        in[i] = static_cast<cl_int>(i * 13 % 101) - 50;
    const cl_int bias[4] = {5, -6, 7, -8};
    cl_int err = CL_SUCCESS;
    cl_mem biasMem = clCreateBuffer(context_, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof bias,
                                    const_cast<cl_int*>(bias), &err);
    ASSERT_EQ(err, CL_SUCCESS);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, in.data()), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 1, lanes * sizeof(cl_int), nullptr), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 2, out.data()), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 3, lanes * sizeof(cl_int), nullptr), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 4, sizeof biasMem, &biasMem), CL_SUCCESS);
    std::size_t global = lanes * groups, local = lanes;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (std::size_t g = 0; g < groups; g++)
        for (std::size_t l = 0; l < lanes; l++) {
            std::size_t base = g * lanes;
            cl_int expected = in[base + lanes - 1 - l] + 3 * in[base + (l + 1) % lanes] +
                              1000 * static_cast<cl_int>(l % 16 + 1) + bias[l % 4];
            EXPECT_EQ(out[base + l], expected) << "group " << g << " lane " << l;
        }
    clReleaseMemObject(biasMem);
    clReleaseKernel(k);
    clReleaseProgram(program);
}

TEST_F(OpenclTest, VectorArgumentsByValue)
{
    cl_program program = build(R"(
kernel void vectors(global float4* f, float4 a, int3 b, global int* n, uchar2 u)
{
    f[0] = a * 2.0f;
    int3 c1 = b + 1;
    n[0] = c1.x;
    n[1] = c1.y;
    n[2] = c1.z;
    n[3] = u.x + 10 * u.y;
}
)");
    cl_kernel k = kernel(program, "vectors");
    std::vector<cl_float4> f(1);
    std::vector<cl_int> n(4, 0);
    cl_float4 a = {{1.0f, -2.5f, 3.0f, 100.0f}};
    cl_int3 b = {{-1, 7, 1 << 30}};
    cl_uchar2 c = {{3, 250}};
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 0, f.data()), CL_SUCCESS);
    EXPECT_EQ(clSetKernelArg(k, 1, sizeof(cl_float2), &a), CL_INVALID_ARG_SIZE);
    EXPECT_EQ(clSetKernelArg(k, 1, sizeof a, nullptr), CL_INVALID_ARG_VALUE);
    ASSERT_EQ(clSetKernelArg(k, 1, sizeof a, &a), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 2, sizeof b, &b), CL_SUCCESS); // cl_int3 is 16 bytes, as in OpenCL C
    ASSERT_EQ(clSetKernelArgSVMPointer(k, 3, n.data()), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(k, 4, sizeof c, &c), CL_SUCCESS);
    cl_kernel_arg_address_qualifier q = 0;
    ASSERT_EQ(clGetKernelArgInfo(k, 1, CL_KERNEL_ARG_ADDRESS_QUALIFIER, sizeof q, &q, nullptr), CL_SUCCESS);
    EXPECT_EQ(q, static_cast<cl_kernel_arg_address_qualifier>(CL_KERNEL_ARG_ADDRESS_PRIVATE));
    std::size_t one = 1;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &one, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(f[0].s[i], a.s[i] * 2.0f) << i;
    EXPECT_EQ(n, (std::vector<cl_int>{0, 8, (1 << 30) + 1, 3 + 2500}));
    clReleaseKernel(k);
    clReleaseProgram(program);
}

} // namespace

// Asynchronous commands. A gated kernel spins until the host opens its
// gate (a flag in SVM memory), so a test knows the kernel cannot have ended
// before it opens it: no timing assumption. On the emulator, where an
// enqueue returns when the command has ended, the gate is open from the
// start (the kernel would spin in its enqueue forever otherwise) or the
// test is skipped when it is about asynchrony itself.

constexpr const char* kGated = R"(
kernel void gated(volatile global int* gate, global int* out, int value)
{
    while (atomic_add(gate, 0) == 0)
        ;
    out[get_global_id(0)] = value + (int)get_global_id(0);
}
kernel void twice(global const int* in, global int* out)
{
    size_t i = get_global_id(0);
    out[i] = 2 * in[i];
}
kernel void poke(global int* target)
{
    *target = 7;
}
)";

class AsyncTest : public OpenclTest {
protected:
    void SetUp() override
    {
        OpenclTest::SetUp();
        emulator_ = deviceString(device_, CL_DEVICE_NAME).find("emulator") != std::string::npos;
        program_ = build(kGated);
        gated_ = kernel(program_, "gated");
        // On the emulator the gate is open: the kernel runs in its enqueue.
        gate_->store(emulator_ ? 1 : 0);
    }

    void TearDown() override
    {
        open(); // whatever failed, no kernel spins past the test
        if (queue_)
            clFinish(queue_);
        if (gated_)
            clReleaseKernel(gated_);
        if (program_)
            clReleaseProgram(program_);
        OpenclTest::TearDown();
    }

    // Enqueues the gated kernel (@p gated, or the fixture's) over @p n
    // lanes: out[i] = value + i.
    void enqueueGated(cl_command_queue queue, cl_mem out, int value, std::size_t n, cl_uint waitCount,
                      const cl_event* waits, cl_event* event, cl_kernel gated = nullptr)
    {
        gated = gated ? gated : gated_;
        ASSERT_EQ(clSetKernelArgSVMPointer(gated, 0, gate_.get()), CL_SUCCESS);
        ASSERT_EQ(clSetKernelArg(gated, 1, sizeof out, &out), CL_SUCCESS);
        ASSERT_EQ(clSetKernelArg(gated, 2, sizeof value, &value), CL_SUCCESS);
        ASSERT_EQ(clEnqueueNDRangeKernel(queue, gated, 1, nullptr, &n, nullptr, waitCount, waits, event),
                  CL_SUCCESS);
    }

    void open() { gate_->store(1); }

    // A context of its own (with @p notify), a queue, and the gated
    // kernels' program built in it.
    void ownContext(void(CL_CALLBACK* notify)(const char*, const void*, size_t, void*), void* data,
                    cl_context& context, cl_command_queue& queue, cl_program& program)
    {
        cl_int err = CL_SUCCESS;
        context = clCreateContext(nullptr, 1, &device_, notify, data, &err);
        ASSERT_EQ(err, CL_SUCCESS);
        queue = clCreateCommandQueueWithProperties(context, device_, nullptr, &err);
        ASSERT_EQ(err, CL_SUCCESS);
        const char* source = kGated;
        program = clCreateProgramWithSource(context, 1, &source, nullptr, &err);
        ASSERT_EQ(err, CL_SUCCESS);
        ASSERT_EQ(clBuildProgram(program, 1, &device_, "", nullptr, nullptr), CL_SUCCESS);
    }

    // Waits, without any OpenCL call, until @p done holds (a callback ran).
    static bool eventually(const std::function<bool()>& done)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }

    bool emulator_ = false;
    cl_program program_ = nullptr;
    cl_kernel gated_ = nullptr;
    std::unique_ptr<std::atomic<int>> gate_ = std::make_unique<std::atomic<int>>(0);
};

#define SKIP_ON_EMULATOR()                                                                                            \
    do {                                                                                                              \
        if (emulator_)                                                                                                \
            GTEST_SKIP() << "the emulator backend runs every command in its enqueue: nothing is asynchronous";        \
    } while (0)

// The enqueue returns while the kernel runs; the event is submitted or
// running, not complete, until the gate opens; its callback then runs
// without the application waiting, and the event completes.
TEST_F(AsyncTest, EnqueueReturnsBeforeTheKernelEndsAndCallbacksFireWithoutAWait)
{
    SKIP_ON_EMULATOR();
    cl_int err = CL_SUCCESS;
    cl_mem out = clCreateBuffer(context_, CL_MEM_READ_WRITE, 64 * sizeof(int), nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_event done = nullptr;
    ASSERT_NO_FATAL_FAILURE(enqueueGated(queue_, out, 10, 64, 0, nullptr, &done));
    cl_int status = eventStatus(done);
    EXPECT_TRUE(status == CL_SUBMITTED || status == CL_RUNNING) << status;
    std::atomic<cl_int> seen{1};
    auto callback = [](cl_event, cl_int s, void* data) { static_cast<std::atomic<cl_int>*>(data)->store(s); };
    ASSERT_EQ(clSetEventCallback(done, CL_COMPLETE, callback, &seen), CL_SUCCESS);
    EXPECT_EQ(seen.load(), 1) << "the callback ran before the kernel could end";
    EXPECT_GT(eventStatus(done), CL_COMPLETE);

    open();
    EXPECT_TRUE(eventually([&] { return seen.load() <= CL_COMPLETE; })) << "the callback never ran";
    EXPECT_EQ(seen.load(), CL_COMPLETE);
    EXPECT_EQ(eventStatus(done), CL_COMPLETE);
    int result[64] = {};
    ASSERT_EQ(clEnqueueReadBuffer(queue_, out, CL_TRUE, 0, sizeof result, result, 0, nullptr, nullptr), CL_SUCCESS);
    for (int i = 0; i < 64; i++)
        ASSERT_EQ(result[i], 10 + i) << "at " << i;
    clReleaseEvent(done);
    clReleaseMemObject(out);
}

// One in-order queue: kernel, copy (another engine), kernel, read. Each
// starts after the one before: the copy sees the first kernel's output,
// the second kernel the copy's.
TEST_F(AsyncTest, InOrderKernelCopyKernel)
{
    constexpr std::size_t n = 256;
    cl_mem a = intBuffer(n), b = intBuffer(n), c = intBuffer(n);
    const int zero = 0;
    ASSERT_EQ(clEnqueueFillBuffer(queue_, b, &zero, sizeof zero, 0, n * sizeof(int), 0, nullptr, nullptr),
              CL_SUCCESS);
    ASSERT_NO_FATAL_FAILURE(enqueueGated(queue_, a, 1000, n, 0, nullptr, nullptr));
    ASSERT_EQ(clEnqueueCopyBuffer(queue_, a, b, 0, 0, n * sizeof(int), 0, nullptr, nullptr), CL_SUCCESS);
    cl_kernel twice = kernel(program_, "twice");
    ASSERT_EQ(clSetKernelArg(twice, 0, sizeof b, &b), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(twice, 1, sizeof c, &c), CL_SUCCESS);
    std::size_t global = n;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, twice, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    std::vector<int> result(n, -1);
    cl_event read = nullptr;
    ASSERT_EQ(clEnqueueReadBuffer(queue_, c, CL_FALSE, 0, n * sizeof(int), result.data(), 0, nullptr, &read),
              CL_SUCCESS);
    if (!emulator_) {
        EXPECT_GT(eventStatus(read), CL_COMPLETE);
    }
    open();
    ASSERT_EQ(clWaitForEvents(1, &read), CL_SUCCESS);
    for (std::size_t i = 0; i < n; i++)
        ASSERT_EQ(result[i], 2 * (1000 + static_cast<int>(i))) << "at " << i;
    clReleaseEvent(read);
    clReleaseKernel(twice);
    for (cl_mem m : {a, b, c})
        clReleaseMemObject(m);
}

// A copy on a second queue waits for a kernel of the first through its
// wait list; clFinish of the second queue waits for both.
TEST_F(AsyncTest, WaitListAcrossTwoQueuesAndClFinish)
{
    cl_int err = CL_SUCCESS;
    cl_command_queue second = clCreateCommandQueueWithProperties(context_, device_, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    constexpr std::size_t n = 128;
    cl_mem a = clCreateBuffer(context_, CL_MEM_READ_WRITE, n * sizeof(int), nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    std::vector<int> result(n, -1);
    cl_event produced = nullptr, copied = nullptr;
    ASSERT_NO_FATAL_FAILURE(enqueueGated(queue_, a, 5, n, 0, nullptr, &produced));
    ASSERT_EQ(clEnqueueReadBuffer(second, a, CL_FALSE, 0, n * sizeof(int), result.data(), 1, &produced, &copied),
              CL_SUCCESS);
    if (!emulator_) {
        EXPECT_GT(eventStatus(produced), CL_COMPLETE);
        EXPECT_GT(eventStatus(copied), CL_COMPLETE);
        EXPECT_EQ(result[0], -1) << "the read ran before the kernel it waits for";
    }
    open();
    ASSERT_EQ(clFinish(second), CL_SUCCESS);
    // clFinish returned: both have ended, without another wait.
    for (std::size_t i = 0; i < n; i++)
        ASSERT_EQ(result[i], 5 + static_cast<int>(i)) << "at " << i;
    EXPECT_EQ(eventStatus(copied), CL_COMPLETE);
    EXPECT_EQ(eventStatus(produced), CL_COMPLETE);
    clReleaseEvent(produced);
    clReleaseEvent(copied);
    clReleaseMemObject(a);
    clReleaseCommandQueue(second);
}

// A kernel that writes through a null pointer (plus an offset, so that the
// address shows in the message): its event fails, the context's callback
// and the log name the address, and a kernel enqueued right after it on the
// same queue, before the fault is seen, still runs.
TEST_F(AsyncTest, FaultingKernelFailsItsEventAndTheNextCommandRuns)
{
    struct Notes {
        std::mutex mutex;
        std::string text;
    } notes;
    auto notify = [](const char* message, const void*, size_t, void* data) {
        auto* n = static_cast<Notes*>(data);
        std::lock_guard lock(n->mutex);
        n->text += message;
        n->text += '\n';
    };
    cl_context context = nullptr;
    cl_command_queue queue = nullptr;
    cl_program program = nullptr;
    ASSERT_NO_FATAL_FAILURE(ownContext(notify, &notes, context, queue, program));
    cl_int err = CL_SUCCESS;
    cl_kernel bad = clCreateKernel(program, "poke", &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_kernel good = clCreateKernel(program, "poke", &err);
    ASSERT_EQ(err, CL_SUCCESS);
    const std::uintptr_t address = std::uintptr_t{16} << 12; // page 16: never mapped
    ASSERT_EQ(clSetKernelArgSVMPointer(bad, 0, reinterpret_cast<void*>(address)), CL_SUCCESS);
    cl_int target = 0;
    ASSERT_EQ(clSetKernelArgSVMPointer(good, 0, &target), CL_SUCCESS);
    cl_event failed = nullptr, copied = nullptr, ok = nullptr;
    int from = 3, to = 0;
    ASSERT_EQ(clEnqueueTask(queue, bad, 0, nullptr, &failed), CL_SUCCESS);
    // A copy (the other engine, waiting in the kernel for the failed job)
    // and a kernel (the same engine) after it.
    ASSERT_EQ(clEnqueueSVMMemcpy(queue, CL_FALSE, &to, &from, sizeof to, 0, nullptr, &copied), CL_SUCCESS);
    ASSERT_EQ(clEnqueueTask(queue, good, 0, nullptr, &ok), CL_SUCCESS);
    // A command of another queue that waits for the failed kernel fails
    // too, whether the failure is seen before its submission or after.
    cl_command_queue other = clCreateCommandQueueWithProperties(context, device_, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    int spare = 0;
    cl_event dependent = nullptr;
    ASSERT_EQ(clEnqueueSVMMemcpy(other, CL_FALSE, &spare, &from, sizeof spare, 1, &failed, &dependent), CL_SUCCESS);
    EXPECT_EQ(clWaitForEvents(1, &dependent), CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
    EXPECT_EQ(eventStatus(dependent), CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
    clReleaseEvent(dependent);
    clReleaseCommandQueue(other);
    EXPECT_EQ(clWaitForEvents(1, &failed), CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
    EXPECT_EQ(eventStatus(failed), CL_OUT_OF_RESOURCES);
    EXPECT_EQ(clWaitForEvents(1, &copied), CL_SUCCESS);
    EXPECT_EQ(to, 3);
    EXPECT_EQ(clWaitForEvents(1, &ok), CL_SUCCESS);
    EXPECT_EQ(target, 7);
    {
        std::lock_guard lock(notes.mutex);
        EXPECT_NE(notes.text.find(fmtHex(address)), std::string::npos) << notes.text;
        EXPECT_NE(notes.text.find("kernel poke"), std::string::npos) << notes.text;
    }
    // A blocking command after the failure, on the same context, works.
    int out = 0;
    cl_mem buffer = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof target, &target, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    EXPECT_EQ(clEnqueueReadBuffer(queue, buffer, CL_TRUE, 0, sizeof out, &out, 0, nullptr, nullptr), CL_SUCCESS);
    EXPECT_EQ(out, 7);
    clReleaseMemObject(buffer);
    clReleaseEvent(failed);
    clReleaseEvent(copied);
    clReleaseEvent(ok);
    clReleaseKernel(bad);
    clReleaseKernel(good);
    clReleaseProgram(program);
    clReleaseCommandQueue(queue);
    clReleaseContext(context);
}

// The application releases everything (kernel, program, buffer, queue,
// context) while a kernel and the read after it are in flight: the
// commands keep what they use, the read's callback still runs, and the
// context is destroyed (its destructor callback runs) only after it.
TEST_F(AsyncTest, ReleaseEverythingWithWorkInFlight)
{
    cl_context context = nullptr;
    cl_command_queue queue = nullptr;
    cl_program program = nullptr;
    ASSERT_NO_FATAL_FAILURE(ownContext(nullptr, nullptr, context, queue, program));
    cl_int err = CL_SUCCESS;
    cl_kernel k = clCreateKernel(program, "gated", &err);
    ASSERT_EQ(err, CL_SUCCESS);
    constexpr std::size_t n = 64;
    cl_mem out = clCreateBuffer(context, CL_MEM_READ_WRITE, n * sizeof(int), nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    ASSERT_NO_FATAL_FAILURE(enqueueGated(queue, out, 40, n, 0, nullptr, nullptr, k));
    std::vector<int> result(n, -1);
    cl_event read = nullptr;
    ASSERT_EQ(clEnqueueReadBuffer(queue, out, CL_FALSE, 0, n * sizeof(int), result.data(), 0, nullptr, &read),
              CL_SUCCESS);
    struct Seen {
        std::atomic<cl_int> read{1};
        std::atomic<bool> readBeforeDestroy{false};
        std::atomic<bool> destroyed{false};
    } seen;
    auto onRead = [](cl_event, cl_int status, void* data) { static_cast<Seen*>(data)->read.store(status); };
    ASSERT_EQ(clSetEventCallback(read, CL_COMPLETE, onRead, &seen), CL_SUCCESS);
    auto onDestroy = [](cl_context, void* data) {
        auto* s = static_cast<Seen*>(data);
        s->readBeforeDestroy.store(s->read.load() == CL_COMPLETE);
        s->destroyed.store(true);
    };
    ASSERT_EQ(clSetContextDestructorCallback(context, onDestroy, &seen), CL_SUCCESS);
    EXPECT_EQ(clReleaseKernel(k), CL_SUCCESS);
    EXPECT_EQ(clReleaseProgram(program), CL_SUCCESS);
    EXPECT_EQ(clReleaseMemObject(out), CL_SUCCESS);
    EXPECT_EQ(clReleaseCommandQueue(queue), CL_SUCCESS);
    EXPECT_EQ(clReleaseEvent(read), CL_SUCCESS);
    EXPECT_EQ(clReleaseContext(context), CL_SUCCESS);
    if (!emulator_) {
        EXPECT_FALSE(seen.destroyed.load()) << "the context went away with a command in flight";
    }
    open();
    EXPECT_TRUE(eventually([&] { return seen.destroyed.load(); })) << "the context was never destroyed";
    EXPECT_EQ(seen.read.load(), CL_COMPLETE);
    EXPECT_TRUE(seen.readBeforeDestroy.load());
    for (std::size_t i = 0; i < n; i++)
        ASSERT_EQ(result[i], 40 + static_cast<int>(i)) << "at " << i;
}

// Profiling on the device: the end of a gated kernel comes after the host
// opened the gate, which it did at least 50 ms after the enqueue; start and
// submit lie before.
TEST_F(AsyncTest, ProfilingTimesFollowTheJob)
{
    SKIP_ON_EMULATOR();
    cl_int err = CL_SUCCESS;
    cl_queue_properties props[] = {CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0};
    cl_command_queue profiled = clCreateCommandQueueWithProperties(context_, device_, props, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_mem out = clCreateBuffer(context_, CL_MEM_READ_WRITE, 64 * sizeof(int), nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_event done = nullptr;
    ASSERT_NO_FATAL_FAILURE(enqueueGated(profiled, out, 0, 64, 0, nullptr, &done));
    cl_ulong end = 0;
    EXPECT_EQ(clGetEventProfilingInfo(done, CL_PROFILING_COMMAND_END, sizeof end, &end, nullptr),
              CL_PROFILING_INFO_NOT_AVAILABLE);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    open();
    ASSERT_EQ(clWaitForEvents(1, &done), CL_SUCCESS);
    cl_ulong times[4] = {};
    const cl_profiling_info which[4] = {CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT,
                                        CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END};
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(clGetEventProfilingInfo(done, which[i], sizeof times[i], &times[i], nullptr), CL_SUCCESS);
    EXPECT_LE(times[0], times[1]);
    EXPECT_LE(times[1], times[2]);
    EXPECT_LE(times[2], times[3]);
    EXPECT_GE(times[3] - times[0], 50'000'000u) << "the end was taken before the kernel could end";
    clReleaseEvent(done);
    clReleaseMemObject(out);
    clReleaseCommandQueue(profiled);
}

// Two threads, each with its own queue, enqueue many kernels, copies and
// reads without waiting, each kernel waiting for the read before it, and
// release the events at once: every callback runs once, every result is
// right, and after clFinish nothing runs.
TEST_F(AsyncTest, TwoThreadsEnqueueManyCommandsWithoutWaiting)
{
    constexpr int rounds = 100;
    constexpr std::size_t n = 32;
    open(); // nothing to hold back here
    std::atomic<int> callbacks{0};
    auto count = [](cl_event, cl_int status, void* data) {
        if (status == CL_COMPLETE)
            static_cast<std::atomic<int>*>(data)->fetch_add(1);
    };
    struct Lane {
        cl_command_queue queue = nullptr;
        cl_kernel gated = nullptr;
        cl_mem a = nullptr, b = nullptr;
        std::vector<std::vector<int>> results = std::vector<std::vector<int>>(rounds, std::vector<int>(n, -1));
    } lanes[2];
    cl_int err = CL_SUCCESS;
    for (Lane& lane : lanes) {
        lane.queue = clCreateCommandQueueWithProperties(context_, device_, nullptr, &err);
        ASSERT_EQ(err, CL_SUCCESS);
        lane.gated = kernel(program_, "gated");
        lane.a = clCreateBuffer(context_, CL_MEM_READ_WRITE, n * sizeof(int), nullptr, &err);
        ASSERT_EQ(err, CL_SUCCESS);
        lane.b = clCreateBuffer(context_, CL_MEM_READ_WRITE, n * sizeof(int), nullptr, &err);
        ASSERT_EQ(err, CL_SUCCESS);
    }
    auto work = [&](Lane& lane) {
        cl_event previous = nullptr;
        for (int r = 0; r < rounds; r++) {
            ASSERT_NO_FATAL_FAILURE(
                enqueueGated(lane.queue, lane.a, 1000 * r, n, previous ? 1 : 0, previous ? &previous : nullptr,
                             nullptr, lane.gated));
            if (previous) {
                ASSERT_EQ(clReleaseEvent(previous), CL_SUCCESS);
            }
            ASSERT_EQ(clEnqueueCopyBuffer(lane.queue, lane.a, lane.b, 0, 0, n * sizeof(int), 0, nullptr, nullptr),
                      CL_SUCCESS);
            ASSERT_EQ(clEnqueueReadBuffer(lane.queue, lane.b, CL_FALSE, 0, n * sizeof(int), lane.results[r].data(),
                                          0, nullptr, &previous),
                      CL_SUCCESS);
            ASSERT_EQ(clSetEventCallback(previous, CL_COMPLETE, count, &callbacks), CL_SUCCESS);
        }
        ASSERT_EQ(clReleaseEvent(previous), CL_SUCCESS);
    };
    std::thread other([&] { work(lanes[1]); });
    work(lanes[0]);
    other.join();
    for (Lane& lane : lanes)
        ASSERT_EQ(clFinish(lane.queue), CL_SUCCESS);
    EXPECT_EQ(callbacks.load(), 2 * rounds);
    for (Lane& lane : lanes) {
        for (int r = 0; r < rounds; r++)
            for (std::size_t i = 0; i < n; i++)
                ASSERT_EQ(lane.results[r][i], 1000 * r + static_cast<int>(i)) << "round " << r << " at " << i;
        clReleaseMemObject(lane.a);
        clReleaseMemObject(lane.b);
        clReleaseKernel(lane.gated);
        clReleaseCommandQueue(lane.queue);
    }
}

// Commands with nothing to do come after the others without blocking: a
// barrier on a second queue that waits for a gated kernel, and the read
// after it; a marker and a non-blocking map after the kernel on its own
// queue. None ends before the gate opens; all end after it, the read with
// the kernel's output.
TEST_F(AsyncTest, MarkersBarriersAndMapsDoNotBlock)
{
    cl_int err = CL_SUCCESS;
    cl_command_queue second = clCreateCommandQueueWithProperties(context_, device_, nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    constexpr std::size_t n = 64;
    cl_mem a = clCreateBuffer(context_, CL_MEM_READ_WRITE, n * sizeof(int), nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    cl_event produced = nullptr, barrier = nullptr, marker = nullptr, mapped = nullptr;
    ASSERT_NO_FATAL_FAILURE(enqueueGated(queue_, a, 7, n, 0, nullptr, &produced));
    ASSERT_EQ(clEnqueueBarrierWithWaitList(second, 1, &produced, &barrier), CL_SUCCESS);
    std::vector<int> result(n, -1);
    ASSERT_EQ(clEnqueueReadBuffer(second, a, CL_FALSE, 0, n * sizeof(int), result.data(), 0, nullptr, nullptr),
              CL_SUCCESS);
    ASSERT_EQ(clEnqueueMarkerWithWaitList(queue_, 0, nullptr, &marker), CL_SUCCESS);
    auto* view = static_cast<int*>(
        clEnqueueMapBuffer(queue_, a, CL_FALSE, CL_MAP_READ, 0, n * sizeof(int), 0, nullptr, &mapped, &err));
    ASSERT_EQ(err, CL_SUCCESS);
    ASSERT_NE(view, nullptr);
    if (!emulator_) {
        for (cl_event e : {barrier, marker, mapped})
            EXPECT_GT(eventStatus(e), CL_COMPLETE);
        EXPECT_EQ(result[0], -1) << "the read ran before the kernel it comes after";
    }
    open();
    ASSERT_EQ(clFinish(second), CL_SUCCESS);
    for (std::size_t i = 0; i < n; i++)
        ASSERT_EQ(result[i], 7 + static_cast<int>(i)) << "at " << i;
    cl_event all[] = {produced, barrier, marker, mapped};
    ASSERT_EQ(clWaitForEvents(4, all), CL_SUCCESS);
    EXPECT_EQ(view[n - 1], 7 + static_cast<int>(n - 1));
    ASSERT_EQ(clEnqueueUnmapMemObject(queue_, a, view, 0, nullptr, nullptr), CL_SUCCESS);
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (cl_event e : all)
        clReleaseEvent(e);
    clReleaseMemObject(a);
    clReleaseCommandQueue(second);
}

struct FreeCall {
    cl_context context = nullptr;
    std::atomic<int> calls{0};
    void* pointer = nullptr;
};

// clEnqueueSVMFree's callback: frees the pointers and says it did.
void CL_CALLBACK onFreeCallback(cl_command_queue, cl_uint count, void* pointers[], void* data)
{
    auto* call = static_cast<FreeCall*>(data);
    call->pointer = count == 1 ? pointers[0] : nullptr;
    for (cl_uint i = 0; i < count; i++)
        clSVMFree(call->context, pointers[i]);
    call->calls++;
}

struct SlowFree {
    cl_context context = nullptr;
    std::atomic<int> started{0};
    std::atomic<int> done{0};
};

// clEnqueueSVMFree's callback, slow: it holds the command's finishing open.
void CL_CALLBACK slowFreeCallback(cl_command_queue, cl_uint count, void* pointers[], void* data)
{
    auto* free = static_cast<SlowFree*>(data);
    free->started = 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (cl_uint i = 0; i < count; i++)
        clSVMFree(free->context, pointers[i]);
    free->done = 1;
}

// clFinish waits for the commands another thread (the completion thread)
// has taken off the queue's list and is finishing: a printf's output and an
// SVM free's callback come before it returns. (It used to look at the list
// only: PrintfFormatsLikeC once lost its output on the device that way.)
TEST_F(AsyncTest, ClFinishWaitsForACommandAnotherThreadIsFinishing)
{
    SKIP_ON_EMULATOR();
    cl_int err = CL_SUCCESS;
    constexpr std::size_t n = 64;
    cl_mem a = clCreateBuffer(context_, CL_MEM_READ_WRITE, n * sizeof(int), nullptr, &err);
    ASSERT_EQ(err, CL_SUCCESS);
    SlowFree slow;
    slow.context = context_;
    void* memory = clSVMAlloc(context_, CL_MEM_READ_WRITE, 4096, 0);
    ASSERT_NE(memory, nullptr);
    ASSERT_NO_FATAL_FAILURE(enqueueGated(queue_, a, 1, n, 0, nullptr, nullptr));
    void* pointers[] = {memory};
    ASSERT_EQ(clEnqueueSVMFree(queue_, 1, pointers, slowFreeCallback, &slow, 0, nullptr, nullptr), CL_SUCCESS);
    open();
    // The completion thread finishes the free: once its callback has
    // started (seen without an OpenCL call), the command is off the list.
    ASSERT_TRUE(eventually([&] { return slow.started.load() == 1; }));
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    EXPECT_EQ(slow.done.load(), 1) << "clFinish returned while the free's callback still ran";
    clReleaseMemObject(a);
}

// A fill whose pattern the copy engine cannot repeat (longer than 8 bytes)
// and an SVM free return from their enqueue while the kernel before them
// runs; the fill reaches the next kernel in queue order, and the free (its
// callback) comes once the kernel has ended.
TEST_F(AsyncTest, LongPatternFillsAndSvmFreesDoNotBlock)
{
    constexpr std::size_t n = 256;
    cl_mem a = intBuffer(n), b = intBuffer(n), c = intBuffer(n);
    // Three staging buffers' worth and a piece, of a 32-byte pattern.
    constexpr std::size_t bigBytes = (std::size_t{3} << 20) + 96;
    // malloc'd memory (system SVM), aligned to the pattern as SVMMemFill wants.
    std::unique_ptr<std::uint32_t, decltype(&std::free)> bigMemory(
        static_cast<std::uint32_t*>(std::aligned_alloc(64, bigBytes)), &std::free);
    ASSERT_NE(bigMemory, nullptr);
    std::span<std::uint32_t> big(bigMemory.get(), bigBytes / 4);
    std::fill(big.begin(), big.end(), 0xdeadbeefu);
    void* freed = clSVMAlloc(context_, CL_MEM_READ_WRITE, 4096, 0);
    ASSERT_NE(freed, nullptr);
    FreeCall freeCall;
    freeCall.context = context_;

    ASSERT_NO_FATAL_FAILURE(enqueueGated(queue_, a, 100, n, 0, nullptr, nullptr));
    const cl_int4 four = {{1, 2, 3, 4}};
    cl_event filled = nullptr, bigFilled = nullptr, freedEvent = nullptr;
    ASSERT_EQ(clEnqueueFillBuffer(queue_, b, &four, sizeof four, 0, n * sizeof(int), 0, nullptr, &filled),
              CL_SUCCESS);
    std::uint32_t eight[8];
    for (std::uint32_t i = 0; i < 8; i++)
        eight[i] = 0x100 * i + 7;
    ASSERT_EQ(clEnqueueSVMMemFill(queue_, big.data(), eight, sizeof eight, bigBytes, 0, nullptr, &bigFilled),
              CL_SUCCESS);
    cl_kernel twice = kernel(program_, "twice");
    ASSERT_EQ(clSetKernelArg(twice, 0, sizeof b, &b), CL_SUCCESS);
    ASSERT_EQ(clSetKernelArg(twice, 1, sizeof c, &c), CL_SUCCESS);
    std::size_t global = n;
    ASSERT_EQ(clEnqueueNDRangeKernel(queue_, twice, 1, nullptr, &global, nullptr, 0, nullptr, nullptr), CL_SUCCESS);
    void* pointers[] = {freed};
    ASSERT_EQ(clEnqueueSVMFree(queue_, 1, pointers, onFreeCallback, &freeCall, 0, nullptr, &freedEvent),
              CL_SUCCESS);
    if (!emulator_) {
        // Had an enqueue waited for the kernel, the gate (still shut) would
        // have held it until the job timeout, failing the kernel.
        for (cl_event e : {filled, bigFilled, freedEvent})
            EXPECT_GT(eventStatus(e), CL_COMPLETE);
        EXPECT_EQ(freeCall.calls.load(), 0);
        EXPECT_EQ(big[0], 0xdeadbeefu);
    }
    open();
    ASSERT_EQ(clFinish(queue_), CL_SUCCESS);
    for (cl_event e : {filled, bigFilled, freedEvent})
        EXPECT_EQ(eventStatus(e), CL_COMPLETE);
    EXPECT_EQ(freeCall.calls.load(), 1);
    EXPECT_EQ(freeCall.pointer, freed);
    for (std::size_t i = 0; i < big.size(); i++)
        ASSERT_EQ(big[i], eight[i % 8]) << "at word " << i;
    std::vector<int> result(n, -1);
    ASSERT_EQ(clEnqueueReadBuffer(queue_, c, CL_TRUE, 0, n * sizeof(int), result.data(), 0, nullptr, nullptr),
              CL_SUCCESS);
    for (std::size_t i = 0; i < n; i++)
        ASSERT_EQ(result[i], 2 * static_cast<int>(i % 4 + 1)) << "at " << i;
    for (cl_event e : {filled, bigFilled, freedEvent})
        clReleaseEvent(e);
    clReleaseKernel(twice);
    for (cl_mem m : {a, b, c})
        clReleaseMemObject(m);
}
