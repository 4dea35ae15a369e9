#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference) buffer Node;
layout(buffer_reference, std430, buffer_reference_align = 8) coherent buffer NodeRefs { Node v[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) coherent buffer Node { NodeRefs adj; uint degree; int level; };
struct NodeData { NodeRefs adj; uint degree; int level; };
layout(buffer_reference, std430, buffer_reference_align = 8) coherent buffer Nodes { NodeData v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Nodes nodes; uint n; Uints iters; } args;
shared int changed;

void main()
{
    uint l = gl_LocalInvocationID.x, size = gl_WorkGroupSize.x;
    int level = 0;
    for (;;) {
        if (l == 0)
            changed = 0;
        memoryBarrier();
        barrier();
        for (uint v = l; v < args.n; v += size) {
            if (args.nodes.v[v].level != level)
                continue;
            for (uint e = 0; e < args.nodes.v[v].degree; e++) {
                Node u = args.nodes.v[v].adj.v[e];
                if (atomicCompSwap(u.level, -1, level + 1) == -1)
                    changed = 1;
            }
        }
        memoryBarrier();
        barrier();
        int more = changed;
        barrier();
        if (more == 0)
            break;
        level++;
    }
    if (l == 0)
        args.iters.v[0] = uint(level);
}
