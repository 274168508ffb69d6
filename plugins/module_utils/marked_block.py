"""The first and last lines of a block that ansible.builtin.blockinfile writes, from its marker ("# {mark} ..."), in one
place: node_info reads such blocks, cluster_names writes them, and both must find the lines blockinfile wrote.
Standard library only.

Imported as ansible_collections.picluster.mpi.plugins.module_utils.marked_block.
"""
from __future__ import annotations


def marker_lines(marker):
    """The block's BEGIN and END lines, as blockinfile writes them with its default marker_begin and marker_end."""
    return marker.replace("{mark}", "BEGIN"), marker.replace("{mark}", "END")
