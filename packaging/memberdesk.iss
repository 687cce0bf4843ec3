; Inno Setup script: the MemberDesk installer for Windows counter PCs (Inno Setup 6).
;
;   packaging\build_windows.bat     builds dist\memberdesk with PyInstaller, then runs
;   iscc /DAppVersion=<app.__version__> packaging\memberdesk.iss   -> dist\MemberDesk-Setup-<version>.exe
;
; - Installs the one-folder bundle into Program Files\MemberDesk, a Start-menu group (MemberDesk, demo mode,
;   admin command prompt, guides, uninstall) and optionally a desktop icon.
; - After copying, runs `memberdesk.exe --self-test` and shows the report if it fails.
; - The uninstaller removes the program and LEAVES THE DATA (encrypted database, key file, backups, logs in
;   %LOCALAPPDATA%\MemberDesk) unless the person uninstalling ticks "also delete the data" and confirms, or
;   a silent uninstall is given /PURGEDATA=1. The recovery-key sheet and the backups elsewhere are never touched.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=x.y.z packaging\memberdesk.iss (build_windows.bat reads app\__init__.py)
#endif
#define AppName "MemberDesk"
#define AppExe "memberdesk.exe"
#define Bundle "..\dist\memberdesk"

[Setup]
AppId={{6B1E2C0A-5D7F-4E8B-9A43-2F61C0D4B9E7}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=MemberDesk
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist
OutputBaseFilename=MemberDesk-Setup-{#AppVersion}
SetupIconFile=..\resources\icons\memberdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
ShowLanguageDialog=auto

[Languages]
#ifexist "compiler:Languages\ChineseSimplified.isl"
Name: "zh_CN"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
zh_CN.DesktopIcon=在桌面创建快捷方式
en.DesktopIcon=Create a desktop shortcut
zh_CN.DemoMode=MemberDesk 演示模式(虚构数据)
en.DemoMode=MemberDesk demo mode (fake data)
zh_CN.AdminPrompt=MemberDesk 管理命令行
en.AdminPrompt=MemberDesk admin command prompt
zh_CN.GuideDesk=前台使用指南
en.GuideDesk=Front-desk guide
zh_CN.GuideManager=店长指南
en.GuideManager=Store manager guide
zh_CN.GuideIT=IT 管理员指南
en.GuideIT=IT guide
zh_CN.SelfTestFailed=安装后自检未通过。MemberDesk 可能无法正常工作,请把以下报告交给总部IT:
en.SelfTestFailed=The self-test after installation failed. MemberDesk may not work; give this report to head-office IT:
zh_CN.SelfTestRunning=正在自检(约 10 秒)…
en.SelfTestRunning=Running the self-test (about 10 seconds)…
zh_CN.PurgeAsk=是否同时删除本电脑上的 MemberDesk 数据(加密的会员数据库、密钥文件、备份和日志)?%n%n通常请选择“否”:重新安装后数据仍可使用。只有在这台电脑停止使用、且数据已按规定备份或移交后,才选择“是”。
en.PurgeAsk=Also delete the MemberDesk data on this PC (the encrypted member database, key file, backups and logs)?%n%nUsually answer No: after a reinstall the data is still there. Answer Yes only when this PC is retired and the data was backed up or handed over as required.
zh_CN.PurgeConfirm=确认永久删除所有 MemberDesk 数据?此操作无法撤销。
en.PurgeConfirm=Permanently delete all MemberDesk data? This cannot be undone.
zh_CN.DataKept=MemberDesk 已卸载。数据已保留在:%1
en.DataKept=MemberDesk was removed. The data was kept in: %1

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\docs\guide-*.md"; DestDir: "{app}\docs"; Flags: ignoreversion
Source: "..\docs\screenshots\*.png"; DestDir: "{app}\docs\screenshots"; Flags: ignoreversion skipifsourcedoesntexist

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\{cm:DemoMode}"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; WorkingDir: "{app}"
Name: "{group}\{cm:AdminPrompt}"; Filename: "{cmd}"; Parameters: "/k ""cd /d ""{app}"" && memberdesk-admin.exe --help"""; WorkingDir: "{app}"
Name: "{group}\{cm:GuideDesk}"; Filename: "{app}\docs\guide-front-desk.zh_CN.md"; Languages: zh_CN
Name: "{group}\{cm:GuideDesk}"; Filename: "{app}\docs\guide-front-desk.en.md"; Languages: en
Name: "{group}\{cm:GuideManager}"; Filename: "{app}\docs\guide-manager.zh_CN.md"; Languages: zh_CN
Name: "{group}\{cm:GuideManager}"; Filename: "{app}\docs\guide-manager.en.md"; Languages: en
Name: "{group}\{cm:GuideIT}"; Filename: "{app}\docs\guide-it.zh_CN.md"; Languages: zh_CN
Name: "{group}\{cm:GuideIT}"; Filename: "{app}\docs\guide-it.en.md"; Languages: en
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// The windowed memberdesk.exe writes its --self-test report to %TEMP%\memberdesk-selftest.txt.
procedure CurStepChanged(CurStep: TSetupStep);
var
  Code: Integer;
  Report: AnsiString;
begin
  if CurStep = ssPostInstall then
  begin
    WizardForm.StatusLabel.Caption := CustomMessage('SelfTestRunning');
    if (not Exec(ExpandConstant('{app}\{#AppExe}'), '--self-test', ExpandConstant('{app}'), SW_HIDE,
                 ewWaitUntilTerminated, Code)) or (Code <> 0) then
    begin
      Report := '';
      LoadStringFromFile(ExpandConstant('{%TEMP}\memberdesk-selftest.txt'), Report);
      if not WizardSilent() then
        MsgBox(CustomMessage('SelfTestFailed') + #13#10#13#10 + String(Report), mbError, MB_OK);
      Log('MemberDesk self-test failed with exit code ' + IntToStr(Code));
    end;
  end;
end;

function DataDir(): String;
begin
  // platformdirs.user_data_dir("MemberDesk", "MemberDesk") and its Logs/Cache/backups live under this folder.
  Result := ExpandConstant('{localappdata}\MemberDesk');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Purge: Boolean;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    if not DirExists(DataDir()) then
      Exit;
    if UninstallSilent() then
      Purge := ExpandConstant('{param:PURGEDATA|0}') = '1'
    else
      Purge := (MsgBox(CustomMessage('PurgeAsk'), mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES) and
               (MsgBox(CustomMessage('PurgeConfirm'), mbError, MB_YESNO or MB_DEFBUTTON2) = IDYES);
    if Purge then
      DelTree(DataDir(), True, True, True)
    else if not UninstallSilent() then
      MsgBox(FmtMessage(CustomMessage('DataKept'), [DataDir()]), mbInformation, MB_OK);
  end;
end;
