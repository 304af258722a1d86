"""TensorFlow's start-up: harmless notices dropped, GPU problems kept, devices said."""
from helpers.support import tf_startup
from helpers.support.tf_startup import describe_devices, keep

# What TensorFlow 2.21 printed on this CPU-only machine, without TF_CPP_MIN_LOG_LEVEL.
CPU_ONLY = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796391277.492972    3123 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
I0000 00:00:1796391277.493243    3123 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
I0000 00:00:1796391277.573537    3123 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
E0000 00:00:1796391280.582625    3123 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)
""".splitlines()
# A machine with a driver whose GPU fails to initialise (lines of that kind).
BROKEN_GPU = [
    "E0000 00:00:1796391280.582625    3123 cuda_platform.cc:52] failed call to cuInit: "
    "INTERNAL: CUDA error: Failed call to cuInit: CUDA_ERROR_NO_DEVICE",
    "W0000 00:00:1796391280.6 3123 gpu_device.cc:2344] Cannot dlopen some GPU libraries.",
]


def test_cpu_only_notices_are_all_dropped():
    assert keep(CPU_ONLY) == []


def test_gpu_errors_reach_the_reader_when_a_driver_exists():
    assert keep(BROKEN_GPU) == BROKEN_GPU
    assert keep(CPU_ONLY[:2] + BROKEN_GPU) == BROKEN_GPU


def test_device_line(monkeypatch):
    monkeypatch.setattr(tf_startup, "nvidia_driver_present", lambda: False)
    assert describe_devices(["NVIDIA T4"], "full") == "Devices: GPU 0 (NVIDIA T4)"
    assert describe_devices([], "default") == "Devices: CPU only (TensorFlow sees no GPU)"
    assert "meant for a GPU" in describe_devices([], "full")
    monkeypatch.setattr(tf_startup, "nvidia_driver_present", lambda: True)
    assert "cannot use the GPU" in describe_devices([], "default")


def test_import_writes_back_what_it_keeps(monkeypatch, capsys):
    """Already imported, TensorFlow prints nothing more: the GPU list comes back."""
    assert tf_startup.import_tensorflow() == []
    assert capsys.readouterr().err == ""
