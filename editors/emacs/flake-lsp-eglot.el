;;; flake-lsp-eglot.el --- Use flake-lsp for Nix files through Eglot  -*- lexical-binding: t -*-

;; Put this file on your `load-path' and `(require 'flake-lsp-eglot)', or copy the forms below
;; into your init file. Works with Eglot 1.9+ (GNU ELPA for Emacs 26-28, built in from Emacs 29).

;;; Commentary:

;; Registers flake-lsp as the Eglot server for `nix-mode' (the nix-mode package),
;; `nix-ts-mode' (Emacs 29+ tree-sitter mode) and, when neither is installed, a minimal
;; `flake-lsp-nix-mode' for *.nix files.  Then M-x eglot (or `eglot-ensure' in a hook).
;; Settings are sent from `eglot-workspace-configuration', e.g. in .dir-locals.el:
;;
;;   ((nil . ((eglot-workspace-configuration
;;             . (:flake-lsp (:logLevel "info" :diagnostics (:debounceMs 50)))))))

;;; Code:

(require 'eglot)

(defgroup flake-lsp nil "flake-lsp, the Nix flake language server." :group 'eglot)

(defcustom flake-lsp-server-command '("flake-lsp")
  "Command (program and arguments) that starts the flake-lsp server."
  :type '(repeat string))

(unless (or (fboundp 'nix-mode) (fboundp 'nix-ts-mode))
  (define-derived-mode flake-lsp-nix-mode prog-mode "Nix"
    "Minimal major mode for Nix files, used when no Nix mode is installed."
    (setq-local comment-start "# ")
    (setq-local comment-start-skip "#+\\s-*"))
  (add-to-list 'auto-mode-alist '("\\.nix\\'" . flake-lsp-nix-mode)))

(add-to-list 'eglot-server-programs
             `((nix-mode nix-ts-mode flake-lsp-nix-mode) . ,(lambda (&rest _) flake-lsp-server-command)))

(provide 'flake-lsp-eglot)
;;; flake-lsp-eglot.el ends here
