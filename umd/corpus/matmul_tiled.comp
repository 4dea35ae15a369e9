#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };
layout(push_constant) uniform Args { Floats A; Floats B; Floats C; uint n; } args;
const uint T = 16;
shared float As[T][T];
shared float Bs[T][T];

void main()
{
    uint col = gl_GlobalInvocationID.x, row = gl_GlobalInvocationID.y;
    uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
    uint n = args.n;
    float acc = 0.0;
    for (uint t = 0; t < n; t += T) {
        As[ly][lx] = args.A.v[row * n + t + lx];
        Bs[ly][lx] = args.B.v[(t + ly) * n + col];
        barrier();
        for (uint k = 0; k < T; k++)
            acc += As[ly][k] * Bs[k][lx];
        barrier();
    }
    args.C.v[row * n + col] = acc;
}
