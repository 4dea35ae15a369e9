// SPDX-License-Identifier: MIT
// Each lane sums its own linked list of malloc'd nodes (list_sum --lang glsl):
// Node is the C struct { Node *next; uint32_t value; }, next at offset 0,
// value at offset 8, reached through buffer references.
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

layout(local_size_x = 64) in;

layout(buffer_reference) buffer Node;
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Node {
	Node next;
	uint value;
};
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Heads {
	Node v[];
};
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Sums {
	uint v[];
};

layout(push_constant) uniform Args {
	Heads heads;
	Sums sums;
} args;

void main()
{
	uint i = gl_GlobalInvocationID.x;
	uint sum = 0;

	for (Node n = args.heads.v[i]; uint64_t(n) != 0; n = n.next)
		sum += n.value;
	args.sums.v[i] = sum;
}
