#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Uints data; Uints bins; uint n; } args;
const uint BINS = 64;
shared uint local_bins[BINS];

void main()
{
    uint l = gl_LocalInvocationID.x, size = gl_WorkGroupSize.x, g = gl_GlobalInvocationID.x;
    for (uint b = l; b < BINS; b += size)
        local_bins[b] = 0;
    barrier();
    if (g < args.n)
        atomicAdd(local_bins[args.data.v[g] % BINS], 1u);
    barrier();
    for (uint b = l; b < BINS; b += size)
        if (local_bins[b] != 0)
            atomicAdd(args.bins.v[b], local_bins[b]);
}
