// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Platform and device: what they are and what they can do.

#include "info.h"
#include "printf.h"

#include <mutex>
#include <sstream>

#include "vsvm_drm.h"
#include "vsvm_isa.h"

using namespace vsvm::opencl;

namespace vsvm::opencl {

Object::Object(Kind k) : dispatch(icdDispatch()), kind(k) {}

cl_platform_id thePlatform()
{
    // Never destroyed: the ICD loader may call into the platform until the
    // process ends.
    static cl_platform_id platform = [] {
        auto* p = new _cl_platform_id;
        p->backend = makeBackend(p->noDevice);
        if (!p->backend)
            logLine("no device: " + p->noDevice +
                    " (VSVM_OPENCL_BACKEND=emu runs kernels on the host emulator)");
        return p;
    }();
    return platform;
}

cl_device_id theDevice()
{
    static cl_device_id device = [] {
        auto* d = new _cl_device_id;
        d->platform = thePlatform();
        return d;
    }();
    return device;
}

} // namespace vsvm::opencl

_cl_platform_id::_cl_platform_id() : Object(Kind::Platform) {}
_cl_device_id::_cl_device_id() : Object(Kind::Device) {}

namespace {

constexpr const char* kPlatformExtensions = "cl_khr_icd";
// Only what the compiler and both backends do: 32-bit atomics on global
// and local memory, byte stores; and 64-bit atomics on both where the
// device's ISA has them on local memory (version 3).
constexpr const char* kDeviceExtensions =
    "cl_khr_byte_addressable_store cl_khr_global_int32_base_atomics cl_khr_global_int32_extended_atomics "
    "cl_khr_local_int32_base_atomics cl_khr_local_int32_extended_atomics";
constexpr const char* kInt64AtomicsExtensions = "cl_khr_int64_base_atomics cl_khr_int64_extended_atomics";
constexpr cl_uint kInt64AtomicsIsaVersion = 3;

cl_name_version nameVersion(cl_version version, const char* name)
{
    cl_name_version nv{};
    nv.version = version;
    std::strncpy(nv.name, name, CL_NAME_VERSION_MAX_NAME_SIZE - 1);
    return nv;
}

std::vector<cl_name_version> extensionsWithVersion(const char* list)
{
    std::vector<cl_name_version> out;
    std::string all(list);
    std::size_t pos = 0;
    while (pos < all.size()) {
        std::size_t end = all.find(' ', pos);
        if (end == std::string::npos)
            end = all.size();
        out.push_back(nameVersion(CL_MAKE_VERSION(1, 0, 0), all.substr(pos, end - pos).c_str()));
        pos = end + 1;
    }
    return out;
}

} // namespace

namespace vsvm::opencl {

std::string deviceExtensions(const DeviceLimits& limits)
{
    std::string list = kDeviceExtensions;
    if (limits.isaVersion >= kInt64AtomicsIsaVersion)
        list = list + " " + kInt64AtomicsExtensions;
    return list;
}

std::vector<std::string> openclCFeatures()
{
    // OpenCL 3.0's optional features, of which the device has only 64-bit
    // integers: no generic address space, no program-scope global
    // variables, no images, no fp64 (clGetDeviceInfo below).
    return {"__opencl_c_int64"};
}

std::vector<std::string> openclCMacros(const DeviceLimits& limits)
{
    std::vector<std::string> names = openclCFeatures();
    std::istringstream list(deviceExtensions(limits));
    for (std::string name; list >> name;)
        names.push_back(name);
    return names;
}

} // namespace vsvm::opencl

cl_int CL_API_CALL clIcdGetPlatformIDsKHR(cl_uint num_entries, cl_platform_id* platforms, cl_uint* num_platforms)
{
    if ((num_entries == 0 && platforms) || (!platforms && !num_platforms))
        return CL_INVALID_VALUE;
    if (platforms)
        platforms[0] = thePlatform();
    if (num_platforms)
        *num_platforms = 1;
    return CL_SUCCESS;
}

cl_int CL_API_CALL clGetPlatformIDs(cl_uint num_entries, cl_platform_id* platforms, cl_uint* num_platforms)
{
    return clIcdGetPlatformIDsKHR(num_entries, platforms, num_platforms);
}

cl_int CL_API_CALL clGetPlatformInfo(cl_platform_id platform, cl_platform_info param, size_t size, void* value,
                                     size_t* sizeRet)
{
    if (platform && !isValid(platform, Kind::Platform))
        return CL_INVALID_PLATFORM;
    switch (param) {
    case CL_PLATFORM_PROFILE:
        return answerString(size, value, sizeRet, "FULL_PROFILE");
    case CL_PLATFORM_VERSION:
        return answerString(size, value, sizeRet, "OpenCL 3.0 vsvm 0.1.0");
    case CL_PLATFORM_NUMERIC_VERSION:
        return answer<cl_version>(size, value, sizeRet, CL_MAKE_VERSION(3, 0, 0));
    case CL_PLATFORM_NAME:
        return answerString(size, value, sizeRet, "vsvm");
    case CL_PLATFORM_VENDOR:
        return answerString(size, value, sizeRet, "The vsvm authors");
    case CL_PLATFORM_EXTENSIONS:
        return answerString(size, value, sizeRet, kPlatformExtensions);
    case CL_PLATFORM_EXTENSIONS_WITH_VERSION:
        return answerVector(size, value, sizeRet, extensionsWithVersion(kPlatformExtensions));
    case CL_PLATFORM_HOST_TIMER_RESOLUTION:
        return answer<cl_ulong>(size, value, sizeRet, 0);
    case CL_PLATFORM_ICD_SUFFIX_KHR:
        return answerString(size, value, sizeRet, "vsvm");
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clGetDeviceIDs(cl_platform_id platform, cl_device_type type, cl_uint num_entries,
                                  cl_device_id* devices, cl_uint* num_devices)
{
    if (platform && !isValid(platform, Kind::Platform))
        return CL_INVALID_PLATFORM;
    constexpr cl_device_type known = CL_DEVICE_TYPE_DEFAULT | CL_DEVICE_TYPE_CPU | CL_DEVICE_TYPE_GPU |
                                     CL_DEVICE_TYPE_ACCELERATOR | CL_DEVICE_TYPE_CUSTOM;
    if (type != CL_DEVICE_TYPE_ALL && (type == 0 || (type & ~known)))
        return CL_INVALID_DEVICE_TYPE;
    if ((num_entries == 0 && devices) || (!devices && !num_devices))
        return CL_INVALID_VALUE;
    bool matches = type == CL_DEVICE_TYPE_ALL || (type & (CL_DEVICE_TYPE_ACCELERATOR | CL_DEVICE_TYPE_DEFAULT));
    if (!thePlatform()->backend || !matches) {
        if (num_devices)
            *num_devices = 0;
        return CL_DEVICE_NOT_FOUND;
    }
    if (devices)
        devices[0] = theDevice();
    if (num_devices)
        *num_devices = 1;
    return CL_SUCCESS;
}

cl_int CL_API_CALL clGetDeviceInfo(cl_device_id device, cl_device_info param, size_t size, void* value,
                                   size_t* sizeRet)
{
    if (!isValid(device, Kind::Device) || !device->platform->backend)
        return CL_INVALID_DEVICE;
    const DeviceLimits& limits = device->platform->backend->limits();
    auto u = [&](cl_uint v) { return answer(size, value, sizeRet, v); };
    auto ul = [&](cl_ulong v) { return answer(size, value, sizeRet, v); };
    auto sz = [&](size_t v) { return answer(size, value, sizeRet, v); };
    auto b = [&](cl_bool v) { return answer(size, value, sizeRet, v); };
    auto str = [&](const std::string& v) { return answerString(size, value, sizeRet, v); };
    auto bits = [&](cl_bitfield v) { return answer(size, value, sizeRet, v); };
    switch (param) {
    case CL_DEVICE_TYPE:
        return bits(CL_DEVICE_TYPE_ACCELERATOR);
    case CL_DEVICE_VENDOR_ID:
        return u(0);
    case CL_DEVICE_MAX_COMPUTE_UNITS:
        return u(limits.computeUnits);
    case CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS:
        return u(3);
    case CL_DEVICE_MAX_WORK_GROUP_SIZE:
        return sz(VSVM_ISA_MAX_GROUP_LANES);
    case CL_DEVICE_MAX_WORK_ITEM_SIZES: {
        std::vector<size_t> sizes(3, VSVM_ISA_MAX_GROUP_LANES);
        return answerVector(size, value, sizeRet, sizes);
    }
    case CL_DEVICE_PREFERRED_VECTOR_WIDTH_CHAR:
    case CL_DEVICE_PREFERRED_VECTOR_WIDTH_SHORT:
    case CL_DEVICE_PREFERRED_VECTOR_WIDTH_INT:
    case CL_DEVICE_PREFERRED_VECTOR_WIDTH_LONG:
    case CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT:
    case CL_DEVICE_NATIVE_VECTOR_WIDTH_CHAR:
    case CL_DEVICE_NATIVE_VECTOR_WIDTH_SHORT:
    case CL_DEVICE_NATIVE_VECTOR_WIDTH_INT:
    case CL_DEVICE_NATIVE_VECTOR_WIDTH_LONG:
    case CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT:
        // A lane is scalar: vectors are split into lanes' registers.
        return u(1);
    case CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE:
    case CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF:
    case CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE:
    case CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF:
        return u(0);
    case CL_DEVICE_MAX_CLOCK_FREQUENCY:
        // Neither the device nor the emulator has a clock to report.
        return u(0);
    case CL_DEVICE_ADDRESS_BITS:
        return u(64);
    case CL_DEVICE_MAX_READ_IMAGE_ARGS:
    case CL_DEVICE_MAX_WRITE_IMAGE_ARGS:
    case CL_DEVICE_MAX_READ_WRITE_IMAGE_ARGS:
    case CL_DEVICE_MAX_SAMPLERS:
    case CL_DEVICE_IMAGE_PITCH_ALIGNMENT:
    case CL_DEVICE_IMAGE_BASE_ADDRESS_ALIGNMENT:
        return u(0);
    case CL_DEVICE_IMAGE2D_MAX_WIDTH:
    case CL_DEVICE_IMAGE2D_MAX_HEIGHT:
    case CL_DEVICE_IMAGE3D_MAX_WIDTH:
    case CL_DEVICE_IMAGE3D_MAX_HEIGHT:
    case CL_DEVICE_IMAGE3D_MAX_DEPTH:
    case CL_DEVICE_IMAGE_MAX_BUFFER_SIZE:
    case CL_DEVICE_IMAGE_MAX_ARRAY_SIZE:
        return sz(0);
    case CL_DEVICE_MAX_MEM_ALLOC_SIZE:
        return ul(limits.maxAllocSize);
    case CL_DEVICE_IMAGE_SUPPORT:
        return b(CL_FALSE);
    case CL_DEVICE_MAX_PARAMETER_SIZE:
        // FULL_PROFILE's minimum: the arguments past the registers are in
        // the launch block (vsvm/cc.h), which has no fixed size.
        return sz(1024);
    case CL_DEVICE_MEM_BASE_ADDR_ALIGN:
        return u(1024);
    case CL_DEVICE_MIN_DATA_TYPE_ALIGN_SIZE:
        return u(128);
    case CL_DEVICE_SINGLE_FP_CONFIG:
        // The ISA keeps subnormals (docs/isa.rst).
        return bits(CL_FP_DENORM | CL_FP_ROUND_TO_NEAREST | CL_FP_INF_NAN | CL_FP_FMA);
    case CL_DEVICE_DOUBLE_FP_CONFIG:
        return bits(0);
    case CL_DEVICE_GLOBAL_MEM_CACHE_TYPE:
        return answer<cl_device_mem_cache_type>(size, value, sizeRet, CL_NONE);
    case CL_DEVICE_GLOBAL_MEM_CACHELINE_SIZE:
        return u(0);
    case CL_DEVICE_GLOBAL_MEM_CACHE_SIZE:
        return ul(0);
    case CL_DEVICE_GLOBAL_MEM_SIZE:
        return ul(limits.globalMemSize);
    case CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE:
        return ul(64 * 1024);
    case CL_DEVICE_MAX_CONSTANT_ARGS:
        return u(8);
    case CL_DEVICE_LOCAL_MEM_TYPE:
        return answer<cl_device_local_mem_type>(size, value, sizeRet, CL_LOCAL);
    case CL_DEVICE_LOCAL_MEM_SIZE:
        return ul(VSVM_ISA_LDS_BYTES);
    case CL_DEVICE_ERROR_CORRECTION_SUPPORT:
    case CL_DEVICE_PREFERRED_INTEROP_USER_SYNC:
    case CL_DEVICE_SUB_GROUP_INDEPENDENT_FORWARD_PROGRESS:
    case CL_DEVICE_NON_UNIFORM_WORK_GROUP_SUPPORT:
    case CL_DEVICE_WORK_GROUP_COLLECTIVE_FUNCTIONS_SUPPORT:
    case CL_DEVICE_GENERIC_ADDRESS_SPACE_SUPPORT:
    case CL_DEVICE_PIPE_SUPPORT:
        return b(CL_FALSE);
    case CL_DEVICE_PROFILING_TIMER_RESOLUTION:
        return sz(1);
    case CL_DEVICE_ENDIAN_LITTLE:
    case CL_DEVICE_AVAILABLE:
    case CL_DEVICE_COMPILER_AVAILABLE:
    case CL_DEVICE_LINKER_AVAILABLE:
    case CL_DEVICE_HOST_UNIFIED_MEMORY:
        return b(CL_TRUE);
    case CL_DEVICE_EXECUTION_CAPABILITIES:
        return bits(CL_EXEC_KERNEL);
    case CL_DEVICE_QUEUE_ON_HOST_PROPERTIES:
        // Out-of-order queues are accepted and run their commands in order.
        return bits(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE | CL_QUEUE_PROFILING_ENABLE);
    case CL_DEVICE_QUEUE_ON_DEVICE_PROPERTIES:
        return bits(0);
    case CL_DEVICE_QUEUE_ON_DEVICE_PREFERRED_SIZE:
    case CL_DEVICE_QUEUE_ON_DEVICE_MAX_SIZE:
    case CL_DEVICE_MAX_ON_DEVICE_QUEUES:
    case CL_DEVICE_MAX_ON_DEVICE_EVENTS:
    case CL_DEVICE_MAX_PIPE_ARGS:
    case CL_DEVICE_PIPE_MAX_ACTIVE_RESERVATIONS:
    case CL_DEVICE_PIPE_MAX_PACKET_SIZE:
    case CL_DEVICE_MAX_NUM_SUB_GROUPS:
    case CL_DEVICE_PARTITION_MAX_SUB_DEVICES:
        return u(0);
    case CL_DEVICE_BUILT_IN_KERNELS:
        return str("");
    case CL_DEVICE_BUILT_IN_KERNELS_WITH_VERSION:
        return answerBytes(size, value, sizeRet, nullptr, 0);
    case CL_DEVICE_PLATFORM:
        return answer(size, value, sizeRet, device->platform);
    case CL_DEVICE_NAME:
        return str(limits.name);
    case CL_DEVICE_VENDOR:
        return str("The vsvm authors");
    case CL_DRIVER_VERSION:
        return str(limits.driverVersion);
    case CL_DEVICE_PROFILE:
        return str("FULL_PROFILE");
    case CL_DEVICE_VERSION:
        return str("OpenCL 3.0 vsvm");
    case CL_DEVICE_NUMERIC_VERSION:
        return answer<cl_version>(size, value, sizeRet, CL_MAKE_VERSION(3, 0, 0));
    case CL_DEVICE_OPENCL_C_VERSION:
        return str("OpenCL C 1.2 vsvm");
    case CL_DEVICE_OPENCL_C_ALL_VERSIONS: {
        std::vector<cl_name_version> versions{nameVersion(CL_MAKE_VERSION(1, 0, 0), "OpenCL C"),
                                              nameVersion(CL_MAKE_VERSION(1, 1, 0), "OpenCL C"),
                                              nameVersion(CL_MAKE_VERSION(1, 2, 0), "OpenCL C"),
                                              nameVersion(CL_MAKE_VERSION(3, 0, 0), "OpenCL C")};
        return answerVector(size, value, sizeRet, versions);
    }
    case CL_DEVICE_OPENCL_C_FEATURES: {
        std::vector<cl_name_version> features;
        for (const std::string& name : vsvm::opencl::openclCFeatures())
            features.push_back(nameVersion(CL_MAKE_VERSION(3, 0, 0), name.c_str()));
        return answerVector(size, value, sizeRet, features);
    }
    case CL_DEVICE_EXTENSIONS:
        return str(deviceExtensions(limits));
    case CL_DEVICE_EXTENSIONS_WITH_VERSION:
        return answerVector(size, value, sizeRet, extensionsWithVersion(deviceExtensions(limits).c_str()));
    case CL_DEVICE_IL_VERSION:
        return str("SPIR-V_1.0");
    case CL_DEVICE_ILS_WITH_VERSION: {
        std::vector<cl_name_version> ils{nameVersion(CL_MAKE_VERSION(1, 0, 0), "SPIR-V")};
        return answerVector(size, value, sizeRet, ils);
    }
    case CL_DEVICE_PRINTF_BUFFER_SIZE:
        // Every launch of a kernel that calls printf gets a buffer this big.
        return sz(kPrintfBufferBytes);
    case CL_DEVICE_PARENT_DEVICE:
        return answer<cl_device_id>(size, value, sizeRet, nullptr);
    case CL_DEVICE_PARTITION_PROPERTIES: {
        // OpenCL: one 0 for a device that cannot be partitioned.
        std::vector<cl_device_partition_property> none{0};
        return answerVector(size, value, sizeRet, none);
    }
    case CL_DEVICE_PARTITION_TYPE:
        // A root device may answer nothing.
        return answerBytes(size, value, sizeRet, nullptr, 0);
    case CL_DEVICE_PARTITION_AFFINITY_DOMAIN:
        return bits(0);
    case CL_DEVICE_REFERENCE_COUNT:
        return u(1);
    case CL_DEVICE_MAX_GLOBAL_VARIABLE_SIZE:
    case CL_DEVICE_GLOBAL_VARIABLE_PREFERRED_TOTAL_SIZE:
        return sz(0);
    case CL_DEVICE_SVM_CAPABILITIES:
        // Every pointer of the process is a device pointer.
        return bits(CL_DEVICE_SVM_COARSE_GRAIN_BUFFER | CL_DEVICE_SVM_FINE_GRAIN_BUFFER |
                    CL_DEVICE_SVM_FINE_GRAIN_SYSTEM | CL_DEVICE_SVM_ATOMICS);
    case CL_DEVICE_PREFERRED_PLATFORM_ATOMIC_ALIGNMENT:
    case CL_DEVICE_PREFERRED_GLOBAL_ATOMIC_ALIGNMENT:
    case CL_DEVICE_PREFERRED_LOCAL_ATOMIC_ALIGNMENT:
        return u(0);
    case CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES:
        return bits(CL_DEVICE_ATOMIC_ORDER_RELAXED | CL_DEVICE_ATOMIC_SCOPE_WORK_GROUP);
    case CL_DEVICE_ATOMIC_FENCE_CAPABILITIES:
        return bits(CL_DEVICE_ATOMIC_ORDER_RELAXED | CL_DEVICE_ATOMIC_ORDER_ACQ_REL |
                    CL_DEVICE_ATOMIC_SCOPE_WORK_GROUP);
    case CL_DEVICE_PREFERRED_WORK_GROUP_SIZE_MULTIPLE:
        return sz(VSVM_ISA_WAVE_LANES);
    case CL_DEVICE_DEVICE_ENQUEUE_CAPABILITIES:
        return bits(0);
    case CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED:
        return str("");
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clRetainDevice(cl_device_id device)
{
    return isValid(device, Kind::Device) ? CL_SUCCESS : CL_INVALID_DEVICE;
}

cl_int CL_API_CALL clReleaseDevice(cl_device_id device)
{
    return isValid(device, Kind::Device) ? CL_SUCCESS : CL_INVALID_DEVICE;
}

cl_int CL_API_CALL clCreateSubDevices(cl_device_id device, const cl_device_partition_property*, cl_uint,
                                      cl_device_id*, cl_uint*)
{
    // CL_DEVICE_PARTITION_PROPERTIES is {0}: no partition type is supported.
    return isValid(device, Kind::Device) ? CL_INVALID_VALUE : CL_INVALID_DEVICE;
}
