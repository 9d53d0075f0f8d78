import { IngestError } from "@/lib/errors";

// PDF text layer through unpdf (a serverless build of Mozilla's pdf.js). Pages are kept: the parsed
// text joins them with a form feed, so the page of any offset is 1 + the form feeds before it (pageAt).

export const PAGE_BREAK = "\f";

/** The text of each page of a PDF, in order (a page without text is ""). Throws IngestError. */
export async function extractPdfPages(name: string, bytes: Uint8Array): Promise<string[]> {
  const { getDocumentProxy, extractText } = await import("unpdf");
  let pages: string[];
  try {
    // pdf.js may transfer (detach) the buffer it is given: hand it a copy.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), {
      isEvalSupported: false,
      stopAtErrors: false,
      verbosity: 0,
    });
    try {
      ({ text: pages } = await extractText(pdf, { mergePages: false }));
    } finally {
      await pdf.destroy().catch(() => {});
    }
  } catch (error) {
    const kind = (error as { name?: string } | null)?.name;
    if (kind === "PasswordException") {
      throw new IngestError(`"${name}" is password-protected; remove the password and upload it again.`);
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new IngestError(`"${name}" is not a readable PDF (it may be corrupt or truncated): ${detail}`, {
      cause: error,
    });
  }
  return pages;
}

/** Page text tidied the way other documents are; pages joined with PAGE_BREAK. */
export function joinPdfPages(pages: string[], tidy: (s: string) => string): string {
  return pages.map((p) => tidy(p.replaceAll(PAGE_BREAK, " "))).join(PAGE_BREAK);
}

/** The 1-based page of a character offset in text whose pages are separated by PAGE_BREAK. */
export function pageAt(text: string, offset: number): number {
  let page = 1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf(PAGE_BREAK); i >= 0 && i < end; i = text.indexOf(PAGE_BREAK, i + 1)) page++;
  return page;
}
