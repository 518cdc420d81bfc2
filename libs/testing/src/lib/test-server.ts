/** Set by global-setup; jest workers inherit it. */
export const TEST_SERVER_URL_VARIABLE = 'OZ_TEST_PG_URL';

export function testServerUrl(): string {
  const url = process.env[TEST_SERVER_URL_VARIABLE];
  if (!url) {
    throw new Error(
      `${TEST_SERVER_URL_VARIABLE} is not set: add libs/testing/src/global-setup.ts and ` +
        "global-teardown.ts as globalSetup/globalTeardown in this project's jest config",
    );
  }
  return url;
}
