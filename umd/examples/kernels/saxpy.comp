// SPDX-License-Identifier: MIT
// y = a * x + y for i < n, on the caller's malloc'd arrays (saxpy --lang glsl):
// the arrays are plain process pointers, passed as buffer references in the
// push constants, which are the kernel's arguments on vsvm.
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

layout(local_size_x = 256) in;

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer Floats {
	float v[];
};
layout(buffer_reference, std430, buffer_reference_align = 4) buffer FloatsRw {
	float v[];
};

layout(push_constant) uniform Args {
	Floats x;
	FloatsRw y;
	uint n;
	float a;
} args;

void main()
{
	uint i = gl_GlobalInvocationID.x;

	if (i < args.n)
		args.y.v[i] = args.a * args.x.v[i] + args.y.v[i];
}
