"use client";

import { yaml } from "@codemirror/lang-yaml";
import { linter, lintGutter, lintKeymap, type Diagnostic } from "@codemirror/lint";
import { EditorState, type Text } from "@codemirror/state";
import { EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { minimalSetup } from "codemirror";
import { useEffect, useImperativeHandle, useLayoutEffect, useRef, type Ref } from "react";
import { describeIssue, type TemplateIssue } from "./types";

export type YamlEditorHandle = {
  /** Puts the cursor at a 1-based line (and column), scrolls there and focuses the editor. */
  goTo: (line: number, column?: number | null) => void;
  focus: () => void;
};

type YamlEditorProps = {
  ref?: Ref<YamlEditorHandle>;
  initialValue: string;
  /** The accessible name of the text area. */
  label: string;
  describedBy?: string;
  onChange: (text: string) => void;
  /** Checks the text; each issue becomes an inline diagnostic at its line and column. */
  lint: (text: string) => Promise<TemplateIssue[]>;
  /** Ctrl/Cmd+S, with the editor's text. */
  onSave?: (text: string) => void;
  lintDelayMs?: number;
  className?: string;
};

/** Where an issue points in the document: from its column to the end of that line. */
function issueRange(doc: Text, issue: TemplateIssue): { from: number; to: number } {
  if (!issue.line || issue.line < 1 || issue.line > doc.lines) {
    const first = doc.line(1);
    return { from: first.from, to: first.to };
  }
  const line = doc.line(issue.line);
  const from = Math.min(line.from + Math.max(0, (issue.column ?? 1) - 1), line.to);
  const to = line.from + line.text.trimEnd().length;
  return { from, to: Math.max(from, to) };
}

export function toDiagnostics(doc: Text, issues: readonly TemplateIssue[]): Diagnostic[] {
  return issues.map((issue) => ({ ...issueRange(doc, issue), severity: "error", source: "template", message: describeIssue(issue) }));
}

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "13px", backgroundColor: "#fff" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--font-mono)", lineHeight: "1.6" },
  ".cm-content": { paddingBlock: "8px" },
  // slate-600 on slate-50: 7:1, line numbers must be readable (WCAG AA asks 4.5:1).
  ".cm-gutters": { backgroundColor: "#f8fafc", borderRight: "1px solid #e2e8f0", color: "#475569" },
  ".cm-activeLine": { backgroundColor: "#eef4ff80" },
  ".cm-activeLineGutter": { backgroundColor: "#eef4ff", color: "#2f43ad" },
  ".cm-tooltip-lint": { fontFamily: "var(--font-sans)", fontSize: "12px" },
});

/**
 * A CodeMirror 6 YAML editor. Tab is not captured (it moves focus, as everywhere else on the
 * page); indentation follows the YAML structure on Enter.
 */
export function YamlEditor({ ref, initialValue, label, describedBy, onChange, lint, onSave, lintDelayMs = 400, className = "" }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, lint, onSave });
  const initial = useRef({ initialValue, label, describedBy, lintDelayMs });

  useLayoutEffect(() => {
    callbacks.current = { onChange, lint, onSave };
  });

  useEffect(() => {
    if (!host.current) return;
    const { initialValue: doc, label: ariaLabel, describedBy: ariaDescribedBy, lintDelayMs: delay } = initial.current;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc,
        extensions: [
          minimalSetup,
          lineNumbers(),
          highlightActiveLine(),
          highlightActiveLineGutter(),
          yaml(),
          EditorView.lineWrapping,
          lintGutter(),
          linter(async (v) => toDiagnostics(v.state.doc, await callbacks.current.lint(v.state.doc.toString())), { delay }),
          keymap.of([
            {
              key: "Mod-s",
              preventDefault: true,
              run: (v) => {
                callbacks.current.onSave?.(v.state.doc.toString());
                return true;
              },
            },
            ...lintKeymap,
          ]),
          // tabindex: the text is the scroll area's keyboard entry (axe: scrollable-region-focusable).
          EditorView.contentAttributes.of({
            tabindex: "0",
            "aria-label": ariaLabel,
            ...(ariaDescribedBy ? { "aria-describedby": ariaDescribedBy } : {}),
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onChange(update.state.doc.toString());
          }),
          theme,
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, []);

  useImperativeHandle(ref, () => ({
    goTo(line, column) {
      const editor = view.current;
      if (!editor) return;
      const doc = editor.state.doc;
      const target = doc.line(Math.min(Math.max(1, line), doc.lines));
      const pos = Math.min(target.from + Math.max(0, (column ?? 1) - 1), target.to);
      editor.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: "center" }) });
      editor.focus();
    },
    focus() {
      view.current?.focus();
    },
  }));

  return (
    <div
      ref={host}
      className={`overflow-hidden rounded-md border border-slate-300 bg-white shadow-sm focus-within:border-brand-500 focus-within:ring-2 focus-within:ring-brand-500/40 ${className}`}
    />
  );
}
