import { execFileSync } from 'node:child_process';

/**
 * Whether a system binary is on PATH. Tests that need one skip with a clear message when it is
 * absent, except under CI=true, where a missing binary is a failure (CI installs them).
 */
export function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function requireBinary(name: string, pkg: string): boolean {
  if (hasBinary(name)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${name} is not installed (Debian package ${pkg}); CI must install it (.ci/run)`);
  }
  console.warn(`skipping: ${name} is not installed (apt-get install ${pkg})`);
  return false;
}
