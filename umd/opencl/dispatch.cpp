// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The ICD dispatch table: every slot is filled, so that the loader never
// calls a null pointer. What is not implemented answers with the error code
// the specification gives for it (docs/opencl.rst lists them).

#include <cstring>
#include <tuple>
#include <type_traits>

#include "info.h"

using namespace vsvm::opencl;

namespace {

// An entry point that does nothing but fail with Code: cl_int functions
// return it, the others set their errcode_ret (always their last parameter)
// and return null.
template <typename F, cl_int Code>
struct Unsupported {
    static constexpr F fn = nullptr;
};

template <typename R, typename... A, cl_int Code>
struct Unsupported<R(CL_API_CALL*)(A...), Code> {
    static R CL_API_CALL call(A... args)
    {
        if constexpr (std::is_same_v<R, cl_int>) {
            ((void)args, ...);
            return Code;
        } else {
            if constexpr (sizeof...(A) > 0) {
                using Last = std::tuple_element_t<sizeof...(A) - 1, std::tuple<A...>>;
                if constexpr (std::is_same_v<Last, cl_int*>) {
                    if (cl_int* errcode = std::get<sizeof...(A) - 1>(std::forward_as_tuple(args...)))
                        *errcode = Code;
                }
            }
            ((void)args, ...);
            if constexpr (!std::is_void_v<R>)
                return R{};
        }
    }
    static constexpr auto fn = &call;
};

cl_icd_dispatch makeTable()
{
    cl_icd_dispatch d;
    std::memset(&d, 0, sizeof d);
#define VSVM_IMPLEMENTED(name) d.name = name;
#define VSVM_UNSUPPORTED(name, code) d.name = Unsupported<decltype(d.name), code>::fn;
    VSVM_IMPLEMENTED(clGetPlatformIDs)
    VSVM_IMPLEMENTED(clGetPlatformInfo)
    VSVM_IMPLEMENTED(clGetDeviceIDs)
    VSVM_IMPLEMENTED(clGetDeviceInfo)
    VSVM_IMPLEMENTED(clCreateContext)
    VSVM_IMPLEMENTED(clCreateContextFromType)
    VSVM_IMPLEMENTED(clRetainContext)
    VSVM_IMPLEMENTED(clReleaseContext)
    VSVM_IMPLEMENTED(clGetContextInfo)
    VSVM_IMPLEMENTED(clCreateCommandQueue)
    VSVM_IMPLEMENTED(clRetainCommandQueue)
    VSVM_IMPLEMENTED(clReleaseCommandQueue)
    VSVM_IMPLEMENTED(clGetCommandQueueInfo)
    VSVM_UNSUPPORTED(clSetCommandQueueProperty, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clCreateBuffer)
    VSVM_UNSUPPORTED(clCreateImage2D, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clCreateImage3D, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clRetainMemObject)
    VSVM_IMPLEMENTED(clReleaseMemObject)
    VSVM_IMPLEMENTED(clGetSupportedImageFormats)
    VSVM_IMPLEMENTED(clGetMemObjectInfo)
    VSVM_UNSUPPORTED(clGetImageInfo, CL_INVALID_MEM_OBJECT)
    VSVM_UNSUPPORTED(clCreateSampler, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clRetainSampler, CL_INVALID_SAMPLER)
    VSVM_UNSUPPORTED(clReleaseSampler, CL_INVALID_SAMPLER)
    VSVM_UNSUPPORTED(clGetSamplerInfo, CL_INVALID_SAMPLER)
    VSVM_IMPLEMENTED(clCreateProgramWithSource)
    VSVM_IMPLEMENTED(clCreateProgramWithBinary)
    VSVM_IMPLEMENTED(clRetainProgram)
    VSVM_IMPLEMENTED(clReleaseProgram)
    VSVM_IMPLEMENTED(clBuildProgram)
    VSVM_IMPLEMENTED(clUnloadCompiler)
    VSVM_IMPLEMENTED(clGetProgramInfo)
    VSVM_IMPLEMENTED(clGetProgramBuildInfo)
    VSVM_IMPLEMENTED(clCreateKernel)
    VSVM_IMPLEMENTED(clCreateKernelsInProgram)
    VSVM_IMPLEMENTED(clRetainKernel)
    VSVM_IMPLEMENTED(clReleaseKernel)
    VSVM_IMPLEMENTED(clSetKernelArg)
    VSVM_IMPLEMENTED(clGetKernelInfo)
    VSVM_IMPLEMENTED(clGetKernelWorkGroupInfo)
    VSVM_IMPLEMENTED(clWaitForEvents)
    VSVM_IMPLEMENTED(clGetEventInfo)
    VSVM_IMPLEMENTED(clRetainEvent)
    VSVM_IMPLEMENTED(clReleaseEvent)
    VSVM_IMPLEMENTED(clGetEventProfilingInfo)
    VSVM_IMPLEMENTED(clFlush)
    VSVM_IMPLEMENTED(clFinish)
    VSVM_IMPLEMENTED(clEnqueueReadBuffer)
    VSVM_IMPLEMENTED(clEnqueueWriteBuffer)
    VSVM_IMPLEMENTED(clEnqueueCopyBuffer)
    VSVM_UNSUPPORTED(clEnqueueReadImage, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clEnqueueWriteImage, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clEnqueueCopyImage, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clEnqueueCopyImageToBuffer, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clEnqueueCopyBufferToImage, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clEnqueueMapBuffer)
    VSVM_UNSUPPORTED(clEnqueueMapImage, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clEnqueueUnmapMemObject)
    VSVM_IMPLEMENTED(clEnqueueNDRangeKernel)
    VSVM_IMPLEMENTED(clEnqueueTask)
    VSVM_UNSUPPORTED(clEnqueueNativeKernel, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clEnqueueMarker)
    VSVM_IMPLEMENTED(clEnqueueWaitForEvents)
    VSVM_IMPLEMENTED(clEnqueueBarrier)
    VSVM_IMPLEMENTED(clGetExtensionFunctionAddress)
    VSVM_UNSUPPORTED(clCreateFromGLBuffer, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromGLTexture2D, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromGLTexture3D, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromGLRenderbuffer, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clGetGLObjectInfo, CL_INVALID_MEM_OBJECT)
    VSVM_UNSUPPORTED(clGetGLTextureInfo, CL_INVALID_MEM_OBJECT)
    VSVM_UNSUPPORTED(clEnqueueAcquireGLObjects, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clEnqueueReleaseGLObjects, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clGetGLContextInfoKHR, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clGetDeviceIDsFromD3D10KHR, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clCreateFromD3D10BufferKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromD3D10Texture2DKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromD3D10Texture3DKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clEnqueueAcquireD3D10ObjectsKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clEnqueueReleaseD3D10ObjectsKHR, CL_INVALID_CONTEXT)
    VSVM_IMPLEMENTED(clSetEventCallback)
    VSVM_IMPLEMENTED(clCreateSubBuffer)
    VSVM_IMPLEMENTED(clSetMemObjectDestructorCallback)
    VSVM_IMPLEMENTED(clCreateUserEvent)
    VSVM_IMPLEMENTED(clSetUserEventStatus)
    VSVM_IMPLEMENTED(clEnqueueReadBufferRect)
    VSVM_IMPLEMENTED(clEnqueueWriteBufferRect)
    VSVM_IMPLEMENTED(clEnqueueCopyBufferRect)
    VSVM_UNSUPPORTED(clCreateSubDevicesEXT, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clRetainDeviceEXT, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clReleaseDeviceEXT, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clCreateEventFromGLsyncKHR, CL_INVALID_CONTEXT)
    VSVM_IMPLEMENTED(clCreateSubDevices)
    VSVM_IMPLEMENTED(clRetainDevice)
    VSVM_IMPLEMENTED(clReleaseDevice)
    VSVM_UNSUPPORTED(clCreateImage, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clCreateProgramWithBuiltInKernels)
    VSVM_IMPLEMENTED(clCompileProgram)
    VSVM_IMPLEMENTED(clLinkProgram)
    VSVM_IMPLEMENTED(clUnloadPlatformCompiler)
    VSVM_IMPLEMENTED(clGetKernelArgInfo)
    VSVM_IMPLEMENTED(clEnqueueFillBuffer)
    VSVM_UNSUPPORTED(clEnqueueFillImage, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clEnqueueMigrateMemObjects)
    VSVM_IMPLEMENTED(clEnqueueMarkerWithWaitList)
    VSVM_IMPLEMENTED(clEnqueueBarrierWithWaitList)
    VSVM_IMPLEMENTED(clGetExtensionFunctionAddressForPlatform)
    VSVM_UNSUPPORTED(clCreateFromGLTexture, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clGetDeviceIDsFromD3D11KHR, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clCreateFromD3D11BufferKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromD3D11Texture2DKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromD3D11Texture3DKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromDX9MediaSurfaceKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clEnqueueAcquireD3D11ObjectsKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clEnqueueReleaseD3D11ObjectsKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clGetDeviceIDsFromDX9MediaAdapterKHR, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clEnqueueAcquireDX9MediaSurfacesKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clEnqueueReleaseDX9MediaSurfacesKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateFromEGLImageKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clEnqueueAcquireEGLObjectsKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clEnqueueReleaseEGLObjectsKHR, CL_INVALID_CONTEXT)
    VSVM_UNSUPPORTED(clCreateEventFromEGLSyncKHR, CL_INVALID_CONTEXT)
    VSVM_IMPLEMENTED(clCreateCommandQueueWithProperties)
    VSVM_UNSUPPORTED(clCreatePipe, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clGetPipeInfo, CL_INVALID_MEM_OBJECT)
    VSVM_IMPLEMENTED(clSVMAlloc)
    VSVM_IMPLEMENTED(clSVMFree)
    VSVM_IMPLEMENTED(clEnqueueSVMFree)
    VSVM_IMPLEMENTED(clEnqueueSVMMemcpy)
    VSVM_IMPLEMENTED(clEnqueueSVMMemFill)
    VSVM_IMPLEMENTED(clEnqueueSVMMap)
    VSVM_IMPLEMENTED(clEnqueueSVMUnmap)
    VSVM_UNSUPPORTED(clCreateSamplerWithProperties, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clSetKernelArgSVMPointer)
    VSVM_IMPLEMENTED(clSetKernelExecInfo)
    VSVM_UNSUPPORTED(clGetKernelSubGroupInfoKHR, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clCloneKernel)
    VSVM_IMPLEMENTED(clCreateProgramWithIL)
    VSVM_IMPLEMENTED(clEnqueueSVMMigrateMem)
    VSVM_UNSUPPORTED(clGetDeviceAndHostTimer, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clGetHostTimer, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clGetKernelSubGroupInfo, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clSetDefaultDeviceCommandQueue, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clSetProgramReleaseCallback, CL_INVALID_OPERATION)
    VSVM_UNSUPPORTED(clSetProgramSpecializationConstant, CL_INVALID_SPEC_ID)
    VSVM_IMPLEMENTED(clCreateBufferWithProperties)
    VSVM_UNSUPPORTED(clCreateImageWithProperties, CL_INVALID_OPERATION)
    VSVM_IMPLEMENTED(clSetContextDestructorCallback)
#undef VSVM_IMPLEMENTED
#undef VSVM_UNSUPPORTED
    return d;
}

} // namespace

namespace vsvm::opencl {

const cl_icd_dispatch* icdDispatch()
{
    static const cl_icd_dispatch table = makeTable();
    return &table;
}

} // namespace vsvm::opencl

// The loader finds the ICD through clGetExtensionFunctionAddress, which
// gives it clIcdGetPlatformIDsKHR (cl_ext.h) and, since ocl-icd asks for it
// by name before it uses the dispatch table, clGetPlatformInfo. Neither is
// exported under a core name: an exported clGetPlatformInfo would be
// preempted by the loader's own.

void* CL_API_CALL clGetExtensionFunctionAddress(const char* name)
{
    if (name && std::strcmp(name, "clIcdGetPlatformIDsKHR") == 0)
        return reinterpret_cast<void*>(&clIcdGetPlatformIDsKHR);
    if (name && std::strcmp(name, "clGetPlatformInfo") == 0)
        return reinterpret_cast<void*>(&clGetPlatformInfo);
    return nullptr;
}

void* CL_API_CALL clGetExtensionFunctionAddressForPlatform(cl_platform_id platform, const char* name)
{
    if (!isValid(platform, Kind::Platform))
        return nullptr;
    return clGetExtensionFunctionAddress(name);
}
