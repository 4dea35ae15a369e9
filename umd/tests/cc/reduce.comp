#version 450
#extension GL_EXT_buffer_reference : require
// GLSL: shared memory, barriers, a loop with a uniform trip count, atomics
// through buffer_reference.
layout(local_size_x = 32) in;
layout(buffer_reference, std430) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Uints data; Uints sums; uint n; } args;
shared uint scratch[32];
void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint gid = gl_GlobalInvocationID.x;
    scratch[lid] = gid < args.n ? args.data.v[gid] : 0u;
    barrier();
    for (uint stride = 16u; stride > 0u; stride >>= 1) {
        if (lid < stride)
            scratch[lid] += scratch[lid + stride];
        barrier();
    }
    if (lid == 0u)
        atomicAdd(args.sums.v[0], scratch[0]);
    if (lid == 0u)
        args.sums.v[1 + gl_WorkGroupID.x] = scratch[0];
}
