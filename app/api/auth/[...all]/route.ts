import { getAuth } from "@/lib/auth/server";
import { clientIp } from "@/lib/security/rate-limit";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// Better Auth's endpoints (sign-in/email, sign-out, get-session, …). Sign-up is disabled: the admin
// creates accounts. Better Auth checks the Origin of every POST against APP_URL / TRUSTED_ORIGINS.
// The client address it rate-limits sign-in by is the last X-Forwarded-For hop, as for the API.
async function handle(request: Request): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set("x-forwarded-for", clientIp(request));
  return (await getAuth()).handler(new Request(request, { headers }));
}

export const GET = handle;
export const POST = handle;
