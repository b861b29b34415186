"""Independently written backward implementations, correct and buggy, for the checker.

``CORPUS`` maps a module name to ``(layer, correct, geometry)``: ``geometry`` says which
keyword arguments the function takes and on how many spatial axes (``"conv2d"``: stride and
padding, 2-d, one symmetric padding, no dilation or groups; ``"pool1d"``: kernel, stride,
padding, 1-d; ``None``: none).
"""

CORPUS = {
    "conv_loops": ("conv", True, "conv2d"),
    "conv_im2col": ("conv", True, "conv2d"),
    "conv_einsum": ("conv", True, "conv2d"),
    "conv_padding_zero_only": ("conv", False, "conv2d"),
    "conv_stride_ignored_in_dx": ("conv", False, "conv2d"),
    "conv_batch_mean": ("conv", False, "conv2d"),
    "conv_kernel_not_flipped": ("conv", False, "conv2d"),
    "conv_kept_state": ("conv", False, "conv2d"),
    "conv_square_only": ("conv", False, "conv2d"),
    "conv_leftover_ignored": ("conv", False, "conv2d"),
    "maxpool_add_at": ("maxpool", True, "pool2d"),
    "maxpool_overwrite": ("maxpool", False, "pool2d"),
    "avgpool_loops": ("avgpool", True, "pool2d"),
    "relu_in_place": ("relu", True, None),
    "linear_matmul": ("linear", True, None),
    "linear_transposed_weight": ("linear", False, None),
    "softmax_ce_stable": ("softmax-ce", True, None),
    "softmax_ce_no_mean": ("softmax-ce", False, None),
    "conv1d_loops": ("conv", True, "conv1d"),
    "conv1d_same_padding_backward": ("conv", False, "conv1d"),
    "conv3d_im2col": ("conv", True, "conv3d"),
    "conv3d_depth_not_flipped": ("conv", False, "conv3d"),
    "maxpool1d_loops": ("maxpool", True, "pool1d"),
    "maxpool1d_overwrite": ("maxpool", False, "pool1d"),
    "maxpool_zero_padding": ("maxpool", False, "pool2d"),
    "maxpool3d_loops": ("maxpool", True, "pool3d"),
    "avgpool1d_loops": ("avgpool", True, "pool1d"),
    "avgpool1d_exclude_pad": ("avgpool", False, "pool1d"),
    "relu_mask_from_dy": ("relu", False, None),
    "softmax_ce_loops": ("softmax-ce", True, None),
    "softmax_ce_log_softmax": ("softmax-ce", False, None),
    "linear_einsum": ("linear", True, None),
    "linear_bias_mean": ("linear", False, None),
}
