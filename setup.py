"""Builds the `meterdsp._core` extension with the project's own CMake (Highway, pybind11 from
Debian) and packages bindings/python/meterdsp. Used by `pip install --no-build-isolation .`."""
import os
import pathlib
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve()
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        build.mkdir(parents=True, exist_ok=True)
        generator = ["-G", "Ninja"] if subprocess.run(["ninja", "--version"],
                                                      capture_output=True).returncode == 0 else []
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), *generator,
                        "-DCMAKE_BUILD_TYPE=Release", f"-DPython_EXECUTABLE={sys.executable}",
                        "-DMETERDSP_BUILD_TESTS=OFF", "-DMETERDSP_BUILD_BENCH=OFF",
                        "-DMETERDSP_BUILD_EXAMPLES=OFF", "-DMETERDSP_BUILD_TOOLS=OFF",
                        "-DMETERDSP_BUILD_PYTHON=ON"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "meterdsp_python",
                        "-j", os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")], check=True)
        built = next((build / "python" / "meterdsp").glob("_core*.so"))
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(built), str(target))


setup(packages=["meterdsp"], package_dir={"": "bindings/python"},
      package_data={"meterdsp": ["*.pyi", "py.typed"]},
      ext_modules=[Extension("meterdsp._core", sources=[])],
      cmdclass={"build_ext": CMakeBuild})
