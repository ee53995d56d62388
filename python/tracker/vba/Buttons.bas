Attribute VB_Name = "Buttons"
' The Start sheet's buttons. Each macro makes one RunPython call with a fixed
' command, so no path, file name or cell value ever becomes Python code.
' The work, the messages and the error handling all live in tracker.buttons.
' Nothing here runs by itself: every macro waits for a click.
Option Explicit

Sub RefreshSummary()
    RunPython "import tracker.buttons; tracker.buttons.refresh_summary()"
End Sub

Sub SetUpClassSheets()
    RunPython "import tracker.buttons; tracker.buttons.set_up_class_sheets()"
End Sub

Sub ImportRegister()
    RunPython "import tracker.buttons; tracker.buttons.import_mis_register()"
End Sub

Sub ImportProgressFiles()
    RunPython "import tracker.buttons; tracker.buttons.import_progress_files()"
End Sub

Sub ExportForHead()
    RunPython "import tracker.buttons; tracker.buttons.export_for_head()"
End Sub

Sub ExportForGovernors()
    RunPython "import tracker.buttons; tracker.buttons.export_for_governors()"
End Sub
