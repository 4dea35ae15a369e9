#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Ints { int v[]; };
layout(push_constant) uniform Args { Ints data; Ints result; uint w; uint h; } args;

void main()
{
    uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y, w = args.w, h = args.h;
    uint xl = x > 0 ? x - 1 : 0, xr = x + 1 < w ? x + 1 : w - 1;
    uint yu = y > 0 ? y - 1 : 0, yd = y + 1 < h ? y + 1 : h - 1;
    args.result.v[y * w + x] = 4 * args.data.v[y * w + x] - args.data.v[y * w + xl] - args.data.v[y * w + xr] -
                               args.data.v[yu * w + x] - args.data.v[yd * w + x];
}
