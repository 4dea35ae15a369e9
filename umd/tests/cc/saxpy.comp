#version 450
#extension GL_EXT_buffer_reference : require
layout(local_size_x = 64) in;
layout(buffer_reference, std430) buffer Floats { float v[]; };
layout(push_constant) uniform Args { Floats x; Floats y; uint n; float a; } args;
void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i < args.n)
        args.y.v[i] = args.a * args.x.v[i] + args.y.v[i];
}
