// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// What both OpenCL examples need around the API: owning handles, a check
// that ends the program on an error, and string queries. Plain OpenCL and
// the C library only.

#pragma once

#include <CL/cl.h>
#include <errno.h> // program_invocation_short_name

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

template <auto Release>
struct Releaser {
    template <typename T>
    void operator()(T* object) const
    {
        Release(object);
    }
};
using Context = std::unique_ptr<_cl_context, Releaser<clReleaseContext>>;
using Queue = std::unique_ptr<_cl_command_queue, Releaser<clReleaseCommandQueue>>;
using Program = std::unique_ptr<_cl_program, Releaser<clReleaseProgram>>;
using Kernel = std::unique_ptr<_cl_kernel, Releaser<clReleaseKernel>>;
using Buffer = std::unique_ptr<_cl_mem, Releaser<clReleaseMemObject>>;
using Event = std::unique_ptr<_cl_event, Releaser<clReleaseEvent>>;

inline void check(cl_int err, const char* what)
{
    if (err != CL_SUCCESS) {
        std::fprintf(stderr, "%s: %s failed: OpenCL error %d\n", program_invocation_short_name, what, err);
        std::exit(1);
    }
}

// A string query of a platform or a device; "?" when it fails.
template <typename Object, typename Param>
std::string infoString(cl_int(CL_API_CALL* get)(Object, Param, size_t, void*, size_t*), Object object, Param param)
{
    size_t size = 0;
    if (get(object, param, 0, nullptr, &size) != CL_SUCCESS || size == 0)
        return "?";
    std::string s(size, '\0');
    get(object, param, size, s.data(), nullptr);
    s.resize(std::strlen(s.c_str()));
    return s;
}

inline std::string platformString(cl_platform_id platform, cl_platform_info param)
{
    return infoString(clGetPlatformInfo, platform, param);
}

inline std::string deviceString(cl_device_id device, cl_device_info param)
{
    return infoString(clGetDeviceInfo, device, param);
}
