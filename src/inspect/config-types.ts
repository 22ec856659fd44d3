/**
 * The Go types inspect decodes image configs into, field for field as skopeo 1.9 (image-spec
 * 1.1.0-rc2 `v1.Image`, containers/image `manifest.Schema2V1Image`) declares them, so --config
 * output and inspect values match skopeo's byte for byte.
 */
import { bool, emptyStruct, f, map, ptr, slice, str, struct, time } from './go-decode.js'

/** image-spec v1.ImageConfig */
const imageConfig = struct('v1.ImageConfig', [
  f('User', 'User', str, true),
  f('ExposedPorts', 'ExposedPorts', map(emptyStruct), true),
  f('Env', 'Env', slice(str), true),
  f('Entrypoint', 'Entrypoint', slice(str), true),
  f('Cmd', 'Cmd', slice(str), true),
  f('Volumes', 'Volumes', map(emptyStruct), true),
  f('WorkingDir', 'WorkingDir', str, true),
  f('Labels', 'Labels', map(str), true),
  f('StopSignal', 'StopSignal', str, true),
  f('ArgsEscaped', 'ArgsEscaped', bool, true),
])

/** image-spec v1.Image: what `skopeo inspect --config` prints. */
export const ociImage = struct('v1.Image', [
  f('Created', 'created', ptr(time), true),
  f('Author', 'author', str, true),
  f('Architecture', 'architecture', str),
  f('Variant', 'variant', str, true),
  f('OS', 'os', str),
  f('OSVersion', 'os.version', str, true),
  f('OSFeatures', 'os.features', slice(str), true),
  f('Config', 'config', imageConfig, true),
  f('RootFS', 'rootfs', struct('v1.RootFS', [f('Type', 'type', str), f('DiffIDs', 'diff_ids', slice(str))])),
  f(
    'History',
    'history',
    slice(
      struct('v1.History', [
        f('Created', 'created', ptr(time), true),
        f('CreatedBy', 'created_by', str, true),
        f('Author', 'author', str, true),
        f('Comment', 'comment', str, true),
        f('EmptyLayer', 'empty_layer', bool, true),
      ]),
    ),
    true,
  ),
])

/** The parts of containers/image's Schema2V1Image (Docker config / schema1 v1Compatibility) inspect reads. */
export const schema2V1Image = struct('manifest.Schema2V1Image', [
  f('Created', 'created', time),
  f('DockerVersion', 'docker_version', str, true),
  f(
    'Config',
    'config',
    ptr(struct('manifest.Schema2Config', [f('Labels', 'Labels', map(str)), f('Env', 'Env', slice(str))])),
    true,
  ),
  f('Architecture', 'architecture', str, true),
  f('Variant', 'variant', str, true),
  f('OS', 'os', str, true),
])
