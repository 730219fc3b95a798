; Inno Setup 6 script for CNN Studio on Windows. UNTESTED: written for, not yet built on,
; Windows (no Windows machine was at hand). Steps, on Windows, from the repository root:
;
;   python -m pip install -e ".[package]"
;   python packaging\build.py                   (PyInstaller -> dist\cnnstudio\, then its self-test)
;   iscc packaging\windows\cnnstudio.iss        (-> dist\cnnstudio-<version>-windows-x64-setup.exe)
;
; Per-user install by default (no administrator needed, like install.sh on Linux); the person may
; choose all users in the dialog. Runs and settings live in %LOCALAPPDATA%\cnnstudio (platformdirs)
; and are left in place on uninstall.

#define AppName "CNN Studio"
#define AppVersion "0.1.0"            ; keep equal to cnnstudio/__init__.py's __version__
#define AppExe "cnnstudio.exe"
#define Root "..\.."

[Setup]
AppId={{6C9B5F0E-2F7B-4B57-9C59-3C8A4E1D2A10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=CNN Studio
DefaultDirName={autopf}\CNN Studio
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=cnnstudio-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\packaging\icons\cnnstudio.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
DisableProgramGroupPage=yes

[Files]
; The whole one-folder bundle that packaging\cnnstudio.spec builds.
Source: "{#Root}\dist\cnnstudio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Run]
; The self-test is a console program (cnnstudio-cli.exe); offered, not forced, after install.
; cmd /k keeps the console open so the person can read the verdict.
Filename: "{cmd}"; Parameters: "/k """"{app}\cnnstudio-cli.exe"" --self-test"""; Description: "Check the installation (self-test)"; Flags: postinstall skipifsilent unchecked
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
