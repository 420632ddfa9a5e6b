import { appUrl } from "~/config/env.server";
import { openApiDocument } from "~/crm/openapi.server";

export function loader() {
  return Response.json(openApiDocument(appUrl()), {
    headers: { "Cache-Control": "public, max-age=300" },
  });
}
