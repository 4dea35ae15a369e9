#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Uints data; Uints result; uint w; uint h; } args;
const uint T = 16;
shared uint tile[T][T + 1];

void main()
{
    uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
    uint x = gl_WorkGroupID.x * T + lx, y = gl_WorkGroupID.y * T + ly;
    tile[ly][lx] = args.data.v[y * args.w + x];
    barrier();
    uint ox = gl_WorkGroupID.y * T + lx, oy = gl_WorkGroupID.x * T + ly;
    args.result.v[oy * args.h + ox] = tile[lx][ly];
}
