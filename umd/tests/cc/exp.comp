#version 450
#extension GL_EXT_buffer_reference : require
layout(local_size_x = 16) in;
layout(buffer_reference, std430) buffer Floats { float v[]; };
layout(push_constant) uniform Args { Floats x; } args;
void main()
{
    uint i = gl_GlobalInvocationID.x;
    args.x.v[i] = exp(args.x.v[i]);
}
