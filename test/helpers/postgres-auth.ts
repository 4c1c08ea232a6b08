// Tests that put a made-up password into a PostgreSQL URL (to check that it never shows) need a
// server that lets the user in whatever the password: trust authentication, as .ci/run's server
// has. Elsewhere they skip with this reason (skipOrFail).
import pg from 'pg';

/** Why a made-up password cannot work against the server `url` names (it checks passwords), or null when it is let in. */
export async function madeUpPasswordRefused(url: string): Promise<string | null> {
  const u = new URL(url);
  u.searchParams.delete('schema'); // lrsweep's, not the driver's
  u.username ||= 'postgres';
  u.password = 'made-up-password';
  const client = new pg.Client({ connectionString: u.href, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return null;
  } catch (e) {
    return `the server at ${u.host} refuses user ${u.username} with a made-up password (${(e as Error).message}): this test needs one that trusts local logins, as .ci/run's does`;
  } finally {
    await client.end().catch(() => {});
  }
}
